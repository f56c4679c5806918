"""Ingestion: agency events from Kafka into the children's chronologies."""
