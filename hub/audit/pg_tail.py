"""``hub_audit_unsigned_age_seconds`` for an audit log on PostgreSQL (see ``audit_metrics``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from hub.audit.audit_metrics import UNSIGNED_OLDEST, AuditTailCollector
from hub.postgres_db import QmarkConnection


class PostgresAuditTailCollector(AuditTailCollector):
    """The oldest record no signed head covers, read through a connection of its own."""

    def __init__(self, url: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        super().__init__(Path(), now)
        self._url = url

    def _unsigned_age(self) -> float:
        db = QmarkConnection(self._url, application_name="hub audit metrics")
        try:
            row = db.execute(UNSIGNED_OLDEST).fetchone()
        finally:
            db.close()
        if row is None or row[0] is None:
            return 0.0
        return max(0.0, (self._now() - datetime.fromisoformat(row[0])).total_seconds())
