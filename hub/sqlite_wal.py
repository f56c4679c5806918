"""Switching a SQLite file to write-ahead logging, safely when several processes start at once.

``PRAGMA journal_mode=WAL`` on a file another connection is creating or
converting at the same moment fails with "database is locked" at once:
SQLite does not call the busy handler there, so the connection's timeout does
not help. Server processes started together (``hub serve --processes N``) open
the audit log, the lookup read model and the alert store in the same
instant, so the switch is retried until the deadline.
"""

from __future__ import annotations

import sqlite3
import time

WAL_SWITCH_TIMEOUT_S = 30.0
_RETRY_PAUSE_S = 0.01


def use_wal(connection: sqlite3.Connection, timeout_s: float = WAL_SWITCH_TIMEOUT_S) -> None:
    """Put the connection's database in WAL mode, retrying while another process holds it."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_RETRY_PAUSE_S)
            continue
        if mode != "wal":
            raise sqlite3.OperationalError(f"could not switch to WAL mode (mode is {mode})")
        return
