"""Agency adapters: each reads an agency's native export and publishes Avro events to Kafka."""
