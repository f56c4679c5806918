"""Operations: running the infrastructure the hub needs (Kafka, PostgreSQL)."""
