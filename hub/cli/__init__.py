"""Command-line entry points (``hub ...``)."""
