"""The few methods the hub's own stores call on a database connection, SQLite's or PostgreSQL's.

``sqlite3.Connection`` has them as it is; ``hub.postgres_db.QmarkConnection`` gives a
psycopg connection the same shape (``?`` parameters, ``execute`` returning a cursor), so
a store written once runs on either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol


class SqlCursor(Protocol):
    """The result of one statement: rows to fetch and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class SqlConnection(Protocol):
    """Statements with ``?`` parameters, one at a time or one per row of parameters."""

    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> SqlCursor: ...

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> object: ...
