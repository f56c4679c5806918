"""Open the audit log as configured: its file, the signing key, the witness file."""

from __future__ import annotations

from hub.audit.chain import AuditLog
from hub.audit.keys import configured_signing_key
from hub.config import Settings


def open_audit_log(settings: Settings) -> AuditLog:
    key = configured_signing_key(settings.audit_signing_key, settings.data_dir)
    return AuditLog(settings.audit_path, key, witness_file=settings.audit_witness_file)
