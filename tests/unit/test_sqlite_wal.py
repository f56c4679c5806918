"""Several processes opening a new SQLite file at once all get it in WAL mode.

``PRAGMA journal_mode=WAL`` fails at once with "database is locked" when another
process is switching the same new file (seen in CI when `hub serve --processes 2`
started); ``use_wal`` retries. Without it about one open in seven failed here.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog
from hub.sqlite_wal import use_wal

OPENERS = 3
ROUNDS = 25


def _open_audit_log(path: Path, start: Barrier, results: Queue[str]) -> None:
    start.wait()
    try:
        log = AuditLog(path, Ed25519PrivateKey.generate())
        log.close()
        results.put("ok")
    except Exception as error:  # reported to the test, which fails on it
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_one_new_audit_log_together_all_succeed(tmp_path: Path) -> None:
    """Three processes, released together, open the same new file; 25 rounds, no failure."""
    context = multiprocessing.get_context("fork")
    outcomes: list[str] = []
    for round_number in range(ROUNDS):
        path = tmp_path / f"audit-{round_number}.sqlite"
        start = context.Barrier(OPENERS)
        results: Queue[str] = context.Queue()
        openers = [
            context.Process(target=_open_audit_log, args=(path, start, results))
            for _ in range(OPENERS)
        ]
        for opener in openers:
            opener.start()
        outcomes += [results.get(timeout=60) for _ in openers]
        for opener in openers:
            opener.join(timeout=60)
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert outcomes == ["ok"] * OPENERS * ROUNDS


def test_a_database_that_cannot_use_wal_is_an_error() -> None:
    """An in-memory database answers "memory": refused, not silently left in another mode."""
    connection = sqlite3.connect(":memory:")
    with pytest.raises(sqlite3.OperationalError, match="mode is memory"):
        use_wal(connection)
    connection.close()
