"""The SQLite event store, with the worker's WAL checkpoints moved off its write path.

In WAL mode SQLite appends each commit to the write-ahead log (and fsyncs it) and,
once the log passes ``wal_autocheckpoint`` pages (1,000 by default, about 4 MB),
the committing connection copies the log back into the database file and fsyncs
that too, before the commit returns. One ingestion batch writes a few MB, so the
worker paid for a checkpoint almost every batch (what deferring them is worth:
docs/benchmarks.md).

So a worker's connections checkpoint only as a safety net (``SQLITE_WAL_AUTOCHECKPOINT``
pages), and ``WalCheckpointer`` checkpoints every few seconds from a thread of its
own (``PASSIVE``: it never blocks the writer, and SQLite releases the GIL while it
copies). Durability is unchanged: every commit is still in the fsynced log before
it returns; checkpointing only decides when the log is folded into the file.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import structlog
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteConnection, SQLiteConnectionPool
from eventsourcing.sqlite import SQLiteFactory as _EventsourcingSQLiteFactory
from eventsourcing.utils import Environment, EnvType

log = structlog.get_logger(__name__)

WAL_AUTOCHECKPOINT = "SQLITE_WAL_AUTOCHECKPOINT"
WORKER_WAL_AUTOCHECKPOINT_PAGES = 50_000  # about 200 MB: only if the checkpointer lags
CHECKPOINT_INTERVAL_S = 2.0


class _TunedPool(SQLiteConnectionPool):
    """eventsourcing's pool; each new connection also gets ``wal_autocheckpoint``."""

    autocheckpoint_pages: int | None = None

    def _create_connection(self) -> SQLiteConnection:
        connection = super()._create_connection()
        if self.autocheckpoint_pages is not None:
            connection.cursor().execute(f"PRAGMA wal_autocheckpoint={self.autocheckpoint_pages}")
        return connection


class HubSQLiteFactory(_EventsourcingSQLiteFactory):
    """eventsourcing's SQLite persistence, plus ``SQLITE_WAL_AUTOCHECKPOINT`` (pages)."""

    def __init__(self, env: Environment | EnvType | None):
        super().__init__(env)
        pages = (self.env.get(WAL_AUTOCHECKPOINT) or "").strip()
        if pages:
            pool = self.datastore.pool
            pool.__class__ = _TunedPool  # same state; new connections get the pragma
            assert isinstance(pool, _TunedPool)
            pool.autocheckpoint_pages = int(pages)


def sqlite_path(app: Any) -> str | None:
    """The event store's file, if the application stores events in a SQLite file."""
    recorder = getattr(app, "recorder", None)
    if not isinstance(recorder, SQLiteAggregateRecorder):
        return None
    pool = recorder.datastore.pool
    return None if pool.is_sqlite_memory_mode else str(pool.db_name)


class WalCheckpointer:
    """Folds the write-ahead log into the database file every few seconds, in a thread."""

    def __init__(self, path: str, interval_s: float = CHECKPOINT_INTERVAL_S) -> None:
        self._path = path
        self._interval_s = interval_s
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0
        self.last_result: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wal-checkpointer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop, after one last checkpoint of what was committed."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None

    def _run(self) -> None:
        connection = sqlite3.connect(self._path, uri=True, timeout=30, isolation_level=None)
        try:
            while True:
                stopping = self._stopping.wait(self._interval_s)
                try:
                    self.checkpoint_once(connection)
                except sqlite3.Error as error:  # the next round (or SQLite's own) tries again
                    log.warning("wal_checkpoint_failed", error=type(error).__name__)
                if stopping:
                    return
        finally:
            connection.close()

    def checkpoint_once(self, connection: sqlite3.Connection) -> tuple[int, int, int]:
        """(busy, frames in the log, frames checkpointed), as SQLite reports them."""
        busy, frames, done = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        self.checkpoints += 1
        self.last_result = (int(busy), int(frames), int(done))
        return self.last_result
