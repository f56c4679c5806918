"""The A&E lookup service: gRPC over mutual TLS, every answer through the policy (A1-A4)."""
