"""PostgreSQL connections for the hub's own stores (psycopg 3), taking SQLite's ``?`` parameters.

The audit log, the alert store and the adapters' publish ledger run the same statements on
SQLite and on PostgreSQL. ``QmarkConnection`` changes only the parameter style (psycopg
takes ``%s``); it runs in autocommit mode, and a store opens transactions itself.
Writers that SQLite serialises with ``BEGIN IMMEDIATE`` take an advisory lock instead
(``write_transaction``, ``session_lock``), so every process on every host sharing the
database queues on the same lock, and a process that dies lets go of it with its
connection. psycopg is imported on the first connection, so that settings and adapters
can ask ``is_postgres_url`` without loading it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg

POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def is_postgres_url(url: str | None) -> bool:
    """Whether ``url`` (HUB_DATABASE_URL) names a PostgreSQL database."""
    return bool(url) and str(url).startswith(POSTGRES_SCHEMES)


def advisory_key(name: str) -> int:
    """A stable 64-bit advisory lock key for ``name`` (the same in every process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def _format_style(sql: str) -> str:
    """``?`` parameters as psycopg's ``%s`` (a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class QmarkConnection:
    """One psycopg connection in autocommit mode, with sqlite3's ``execute`` signature."""

    def __init__(self, url: str, *, application_name: str = "hub") -> None:
        import psycopg  # first connection only (see the module docstring)

        self.raw: psycopg.Connection[Any] = psycopg.connect(
            url, autocommit=True, application_name=application_name
        )

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> psycopg.Cursor[Any]:
        return self.raw.execute(_format_style(sql), tuple(parameters))

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> None:
        rows = [tuple(row) for row in parameters]
        if rows:
            with self.raw.cursor() as cursor:
                cursor.executemany(_format_style(sql), rows)

    @contextmanager
    def transaction(self) -> Iterator[QmarkConnection]:
        """A transaction (a savepoint when nested): committed on success, else rolled back."""
        with self.raw.transaction():
            yield self

    @contextmanager
    def write_transaction(self, lock_key: int) -> Iterator[QmarkConnection]:
        """A transaction holding advisory lock ``lock_key`` until it commits or rolls back."""
        with self.raw.transaction():
            self.raw.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
            yield self

    @contextmanager
    def session_lock(self, lock_key: int) -> Iterator[None]:
        """Advisory lock ``lock_key`` held across transactions (and work after a commit)."""
        self.raw.execute("SELECT pg_advisory_lock(%s)", (lock_key,))
        try:
            yield
        finally:
            if not self.raw.closed and not self.raw.broken:
                self.raw.execute("SELECT pg_advisory_unlock(%s)", (lock_key,))

    def close(self) -> None:
        self.raw.close()
