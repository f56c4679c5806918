"""Documents people hand to a court, a family and an inspector, as signed PDF files.

Built only from what the policy released (``hub.application.disclosure``), laid out as
HTML and CSS, rendered by WeasyPrint, signed (PAdES) with the hub's document-signing
certificate and recorded in the audit log with their SHA-256.
"""
