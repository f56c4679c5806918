"""Generated gRPC code for the alert inbox (built from inbox.proto by make setup)."""
