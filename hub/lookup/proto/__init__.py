"""Generated gRPC code for the lookup service (built from lookup.proto by make setup)."""
