"""Who may call the hub: certificates, organisations, callers and the TLS front.

Shared by the lookup service and the alert inbox, which both serve callers
identified by their client certificates.
"""
