"""The tamper-evident audit log: every disclosure, refusal and access, hash-chained and signed."""
