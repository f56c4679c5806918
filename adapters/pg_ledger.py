"""The adapters' publish ledger on PostgreSQL: the same table as the SQLite ledger, shared.

Several adapters (``hub publish`` on one host, ``hub listen ae`` on another) may then
share one ledger: an event id one of them had acknowledged is not published again by
another. The table comes from ``hub db upgrade``. Like the SQLite ledger's
``synchronous=NORMAL``, commits do not wait for the server's disk flush
(``synchronous_commit = off``): a server crash can lose the last few rows, which costs
a harmless re-publish (the hub recognises the event id).
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.migrations.runner import require_current
from hub.postgres_db import QmarkConnection


class PostgresPublishLedger:
    """PostgreSQL table of (cluster id, event id) -> where the broker stored it."""

    def __init__(self, url: str) -> None:
        self._db = QmarkConnection(url, application_name="hub publish ledger")
        require_current(self._db)
        self._db.execute("SET synchronous_commit = off")

    def already_published(self, cluster_id: str, event_ids: Iterable[str]) -> set[str]:
        wanted = list(event_ids)
        if not wanted:
            return set()
        rows = self._db.execute(
            "SELECT event_id FROM published WHERE cluster_id = ? AND event_id = ANY(?)",
            (cluster_id, wanted),
        )
        return {str(row[0]) for row in rows}

    def record(self, cluster_id: str, rows: Iterable[tuple[str, str, int, int]]) -> None:
        with self._db.transaction():
            self._db.executemany(
                "INSERT INTO published VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(cluster_id, *row) for row in rows],
            )

    def close(self) -> None:
        self._db.close()
