"""The adapter's publish ledger: which event ids a cluster has already acknowledged.

An adapter at an agency's edge re-reads whole export files (a re-sent file, a
retry after a crash). The ledger lets it publish only what the cluster has not
yet acknowledged, so re-sending a file adds nothing downstream. Rows are
written only after the broker acknowledged the write (acks=all); a crash
between acknowledgement and ledger write can re-publish an event, which the
hub recognises by its deterministic event id.

The ledger is SQLite in WAL mode with ``synchronous=NORMAL``: a commit survives the
process crashing, and only a power cut can lose the last few, which costs the same
harmless re-publish. Without that, each commit waited for fsync (about 1.7 ms here),
which the MLLP listener pays for every acknowledged message.

``open_publish_ledger`` opens the ledger a location names: a SQLite file (the default,
one machine), or a PostgreSQL URL (``adapters.pg_ledger``, shared by every host).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from hub.postgres_db import is_postgres_url

LedgerLocation = Path | str  # a SQLite file, or a postgresql:// URL


class Ledger(Protocol):
    """What the publishers ask of a publish ledger."""

    def already_published(self, cluster_id: str, event_ids: Iterable[str]) -> set[str]: ...

    def record(self, cluster_id: str, rows: Iterable[tuple[str, str, int, int]]) -> None: ...

    def close(self) -> None: ...


def open_publish_ledger(location: LedgerLocation) -> Ledger:
    """The ledger at ``location``: PostgreSQL for a postgresql:// URL, else a SQLite file."""
    if isinstance(location, str) and is_postgres_url(location):
        from adapters.pg_ledger import PostgresPublishLedger  # psycopg only when asked for

        return PostgresPublishLedger(location)
    return PublishLedger(Path(location))


class PublishLedger:
    """SQLite table of (cluster id, event id) -> where the broker stored it."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._connection = sqlite3.connect(path)
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        self._connection.execute(
            "CREATE TABLE IF NOT EXISTS published ("
            " cluster_id TEXT NOT NULL, event_id TEXT NOT NULL, topic TEXT NOT NULL,"
            " partition INTEGER NOT NULL, offset INTEGER NOT NULL,"
            " PRIMARY KEY (cluster_id, event_id))"
        )
        self._connection.commit()

    def already_published(self, cluster_id: str, event_ids: Iterable[str]) -> set[str]:
        wanted = list(event_ids)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            cursor = self._connection.execute(
                f"SELECT event_id FROM published WHERE cluster_id = ? AND event_id IN ({marks})",
                [cluster_id, *chunk],
            )
            found.update(row[0] for row in cursor)
        return found

    def record(self, cluster_id: str, rows: Iterable[tuple[str, str, int, int]]) -> None:
        with self._connection:
            self._connection.executemany(
                "INSERT OR IGNORE INTO published VALUES (?, ?, ?, ?, ?)",
                [(cluster_id, *row) for row in rows],
            )

    def close(self) -> None:
        self._connection.close()
