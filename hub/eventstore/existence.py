"""Which of many aggregate ids have stored events: one query per batch instead of one per id.

Ingestion meets new identifiers all the time (a first attendance at a site brings
a new hospital number). Asking the event store about each one separately takes a
snapshot query and an events query, each in its own transaction; one ``IN (...)``
query per batch answers them all (figures in docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Recorder
from eventsourcing.sqlite import SQLiteAggregateRecorder

try:  # PostgreSQL support is optional at import time (psycopg).
    from eventsourcing.postgres import PostgresAggregateRecorder
except ImportError:  # pragma: no cover - psycopg is a declared dependency
    PostgresAggregateRecorder = None  # type: ignore[assignment,misc]

SQLITE_IDS_PER_QUERY = 500


def existing_ids(recorder: Recorder, ids: Collection[UUID]) -> set[UUID]:
    """The subset of ``ids`` that have at least one stored event."""
    if not ids:
        return set()
    if isinstance(recorder, SQLiteAggregateRecorder):
        return _sqlite_existing(recorder, list(ids))
    if PostgresAggregateRecorder is not None and isinstance(recorder, PostgresAggregateRecorder):
        return _postgres_existing(recorder, list(ids))
    return {aggregate_id for aggregate_id in ids if _has_events(recorder, aggregate_id)}


def _has_events(recorder: Any, aggregate_id: UUID) -> bool:
    return bool(recorder.select_events(aggregate_id, limit=1))


def _sqlite_existing(recorder: SQLiteAggregateRecorder, ids: list[UUID]) -> set[UUID]:
    # eventsourcing stores UUID originator ids in SQLite as their hex form.
    found: set[UUID] = set()
    with recorder.datastore.transaction(commit=False) as cursor:
        for start in range(0, len(ids), SQLITE_IDS_PER_QUERY):
            part = ids[start : start + SQLITE_IDS_PER_QUERY]
            cursor.execute(
                f"SELECT DISTINCT originator_id FROM {recorder.events_table_name} "
                f"WHERE originator_id IN ({','.join('?' * len(part))})",
                [aggregate_id.hex for aggregate_id in part],
            )
            found.update(UUID(row["originator_id"]) for row in cursor.fetchall())
    return found


def _postgres_existing(recorder: Any, ids: list[UUID]) -> set[UUID]:
    from psycopg.sql import SQL, Identifier

    statement = SQL(
        "SELECT DISTINCT originator_id FROM {schema}.{table} WHERE originator_id = ANY(%s)"
    ).format(
        schema=Identifier(recorder.datastore.schema),
        table=Identifier(recorder.events_table_name),
    )
    with recorder.datastore.get_connection() as connection, connection.cursor() as cursor:
        cursor.execute(statement, [ids])
        return {
            row["originator_id"]
            if isinstance(row["originator_id"], UUID)
            else UUID(str(row["originator_id"]))
            for row in cursor.fetchall()
        }
