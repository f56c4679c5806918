"""The alert store (the outbox for ``hub.alerts``) on PostgreSQL, shared by every host.

The same statements as the SQLite store (``hub.alerts.store``) run here through
``QmarkConnection``; the tables come from ``hub db upgrade``. SQLite serialises writers
with ``BEGIN IMMEDIATE``; here every write transaction takes one advisory lock, so the
store's sequence numbers (``MAX(seq) + 1``) and positions move one writer at a time
whichever host the raiser, the publisher or an acknowledging server runs on.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from hub.alerts.store import AlertStore
from hub.migrations.runner import require_current
from hub.postgres_db import QmarkConnection, advisory_key
from hub.sql_protocols import SqlConnection

WRITE_LOCK = advisory_key("hub/alert-store/write")


class PostgresAlertStore(AlertStore):
    """One PostgreSQL connection; safe to share between the threads of one process."""

    def __init__(self, url: str) -> None:
        # AlertStore.__init__ opens (and creates) a SQLite file; here the schema is upgraded
        # beforehand by `hub db upgrade`.
        self._lock = threading.RLock()
        self._pg = QmarkConnection(url, application_name="hub alert store")
        require_current(self._pg)
        self._db = self._pg

    def close(self) -> None:
        self._pg.close()

    @contextmanager
    def _transaction(self) -> Iterator[SqlConnection]:
        with self._lock, self._pg.write_transaction(WRITE_LOCK) as db:
            yield db
