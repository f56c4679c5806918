"""Alerts: rules evaluated as chronology entries arrive, raised through the policy."""
