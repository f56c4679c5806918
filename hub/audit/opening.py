"""Open the audit log as configured: SQLite file or PostgreSQL, the signing key, the witness."""

from __future__ import annotations

from hub.audit.chain import AuditLog
from hub.audit.keys import configured_signing_key
from hub.config import Settings


def open_audit_log(settings: Settings) -> AuditLog:
    key = configured_signing_key(settings.audit_signing_key, settings.data_dir)
    if settings.postgres_url:
        from hub.audit.pg_log import PostgresAuditLog  # psycopg only when configured

        return PostgresAuditLog(
            settings.postgres_url, key, witness_file=settings.audit_witness_file
        )
    return AuditLog(settings.audit_path, key, witness_file=settings.audit_witness_file)
