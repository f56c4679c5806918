"""The hub's domain: children, chronologies, identities.

Imports only the standard library and ``eventsourcing.domain``.
"""
