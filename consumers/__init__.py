"""Consumers of the hub's output topics (alert delivery)."""
