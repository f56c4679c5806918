"""Wire format: Avro single-object encoding of agency events, and the schema catalogue."""
