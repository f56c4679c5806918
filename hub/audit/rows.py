"""Rows of the audit tables written with as few SQLite statements as its parameter limit allows.

Every SQLite call lets go of the GIL, and under load each may wait for another thread's
switch interval before it continues, so the writer inserts a group's rows in one
statement where it can.
"""

from __future__ import annotations

import sqlite3
from typing import Any

PARAMETERS_PER_STATEMENT = 999  # SQLite's limit before 3.32 (32,766 since)


def recorded_keys(db: sqlite3.Connection, keys: list[str]) -> set[str]:
    """Which of ``keys`` (idempotency keys) the log already holds."""
    seen: set[str] = set()
    for start in range(0, len(keys), PARAMETERS_PER_STATEMENT):
        chunk = keys[start : start + PARAMETERS_PER_STATEMENT]
        marks = ",".join("?" * len(chunk))
        seen.update(
            row[0]
            for row in db.execute(f"SELECT key FROM audit_keys WHERE key IN ({marks})", chunk)
        )
    return seen


def insert_rows(db: sqlite3.Connection, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert rows with as few statements as SQLite's parameter limit allows."""
    if not rows:
        return
    per_statement = max(1, PARAMETERS_PER_STATEMENT // len(rows[0]))
    row_marks = "(" + ",".join("?" * len(rows[0])) + ")"
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        db.execute(
            f"INSERT INTO {table} VALUES " + ",".join([row_marks] * len(chunk)),
            [value for row in chunk for value in row],
        )
