"""The lookup's read model: each child as a lookup needs it, one row, kept from the event log.

Reading a child from the event store replays its events: two queries, then
decryption and JSON for each event, about 0.5-0.9 ms per child on the
100,000-child benchmark store. A lookup reads the NHS number's identifier
index, the child and each sibling, so it paid that two to four times.

Here each child and each identifier index is one encrypted snapshot row, and
a child's row keeps only the chronology entries a lookup can show (the
kinds the service names). Rows are brought up to date from the event store's
notification log before every lookup (``catch_up``), so a lookup sees
everything committed before it started; the position read up to is committed
in the same SQLite transaction as the rows. Events are applied by the
aggregates' own code (``event.mutate``), so the rows hold exactly what a
replay would, minus the entries filtered out.

The file is derived data, encrypted with the event store's key: deleted, it
is rebuilt from the event store on the next catch-up.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import Notification, StoredEvent
from eventsourcing.sqlite import SQLiteAggregateRecorder

from hub.application.hub_app import HubApplication, find_child
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError
from hub.domain.identity import Candidate
from hub.domain.indexes import IdentifierIndex
from hub.sqlite_wal import use_wal

PAGE_SIZE = 2000
FOLLOW_INTERVAL_S = 0.05
log = structlog.get_logger(__name__)
_FOLLOWED = (Child, IdentifierIndex)
_TOPIC_PREFIXES = tuple(f"{cls.__module__}:{cls.__qualname__}." for cls in _FOLLOWED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS views (
    aggregate_id TEXT PRIMARY KEY,
    version INTEGER NOT NULL,
    topic TEXT NOT NULL,
    state BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS position (
    name TEXT PRIMARY KEY,
    notification_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS store (
    name TEXT PRIMARY KEY,
    originator TEXT NOT NULL
);
"""


class LookupViews:
    """Children and identifier indexes as one row each, caught up before each read."""

    def __init__(self, app: HubApplication, path: Path, entry_kinds: Collection[str]) -> None:
        self._app = app
        self._kinds = frozenset(entry_kinds)
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._follower: threading.Thread | None = None
        self._store_version = _sqlite_change_counter(app)
        self._seen_version: int | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        use_wal(self._db)
        # Derived data: a commit lost in a power cut loses rows and position together, and
        # the next catch-up reads those events again.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._forget_another_store()
        self._position: int = self._stored_position()

    @property
    def position(self) -> int:
        """The last notification of the event store applied to the rows."""
        return self._position

    def follow(self, interval_s: float = FOLLOW_INTERVAL_S) -> None:
        """Keep catching up in a background thread until ``close()``.

        A lookup still catches up itself (it must see everything committed before it),
        but then has little left to apply: during a bulk load of thousands of events a
        second, that work would otherwise fall on whichever lookup came next.
        """
        if self._follower is not None:
            return
        self._follower = threading.Thread(
            target=self._follow, args=(interval_s,), name="lookup-views-follower", daemon=True
        )
        self._follower.start()

    def _follow(self, interval_s: float) -> None:
        while not self._stopping.wait(interval_s):
            try:
                self.catch_up()
            except Exception:  # logged; the next lookup (or round) tries again
                log.exception("lookup_views_catch_up_failed")
                self._stopping.wait(min(30.0, interval_s * 100))

    def close(self) -> None:
        self._stopping.set()
        if self._follower is not None:
            self._follower.join(timeout=30)
        with self._lock:
            self._db.close()

    # Keeping up -----------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Apply what the event store recorded since the last call; how many events were read.

        Several server processes may share the file: the position is re-read under the
        write lock, so events another process applied meanwhile are not applied again.
        """
        with self._lock:
            version = self._store_version() if self._store_version is not None else None
            if version is not None and version == self._seen_version:
                return 0  # nothing committed to the event store since the last catch-up
            read = self._catch_up_pages()
            self._seen_version = version
            return read

    def _catch_up_pages(self) -> int:
        read = 0
        while True:
            page = self._select(self._position)
            if not page:
                return read
            self._db.execute("BEGIN IMMEDIATE")
            try:
                stored = self._stored_position()
                if stored > self._position:  # another process got there first
                    self._position = stored
                    page = self._select(stored)
                if page:
                    self._apply(page)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if not page:
                return read
            self._position = page[-1].id
            read += len(page)
            if len(page) < PAGE_SIZE:
                return read

    def _forget_another_store(self) -> None:
        """Empty the rows if they were built from another event store (or a truncated one).

        A data directory whose event store was replaced must never answer lookups with
        the old store's children. The store is recognised by its first event.
        """
        first = self._app.recorder.select_notifications(start=1, limit=1)
        fingerprint = f"{first[0].originator_id}/{first[0].topic}" if first else ""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                kept = self._db.execute(
                    "SELECT originator FROM store WHERE name = 'first-event'"
                ).fetchone()
                position = self._stored_position()
                newest = self._app.recorder.max_notification_id() or 0
                if (kept and kept[0] != fingerprint) or position > newest:
                    log.warning("lookup_views_rebuilt", reason="built from another event store")
                    self._db.execute("DELETE FROM views")
                    self._db.execute("DELETE FROM position")
                if fingerprint:
                    self._db.execute(
                        "INSERT INTO store (name, originator) VALUES ('first-event', ?) "
                        "ON CONFLICT (name) DO UPDATE SET originator = excluded.originator",
                        (fingerprint,),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def _select(self, after: int) -> Sequence[Notification]:
        return self._app.recorder.select_notifications(start=after + 1, limit=PAGE_SIZE)

    def _stored_position(self) -> int:
        row = self._db.execute(
            "SELECT notification_id FROM position WHERE name = 'notifications'"
        ).fetchone()
        return int(row[0]) if row else 0

    def _apply(self, page: Sequence[Notification]) -> None:
        """Apply one page to the rows and record its position (inside the caller's transaction)."""
        by_aggregate: dict[UUID, list[Notification]] = {}
        for notification in page:
            if notification.topic.startswith(_TOPIC_PREFIXES):
                by_aggregate.setdefault(_uuid(notification.originator_id), []).append(notification)
        rows = []
        to_domain_event = self._app.mapper.to_domain_event
        for aggregate_id, notifications in by_aggregate.items():
            aggregate = self._load(aggregate_id)
            for notification in notifications:
                event: Any = to_domain_event(notification)
                aggregate = event.mutate(aggregate)
            if isinstance(aggregate, Child):
                self._keep_lookup_entries(aggregate)
            rows.append(self._row(aggregate))
        self._db.executemany(
            "INSERT INTO views (aggregate_id, version, topic, state) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (aggregate_id) DO UPDATE SET "
            "version = excluded.version, topic = excluded.topic, state = excluded.state",
            rows,
        )
        self._db.execute(
            "INSERT INTO position (name, notification_id) VALUES ('notifications', ?) "
            "ON CONFLICT (name) DO UPDATE SET notification_id = excluded.notification_id",
            (page[-1].id,),
        )

    def _keep_lookup_entries(self, child: Child) -> None:
        child.entries = [entry for entry in child.entries if entry.kind in self._kinds]
        child.event_ids = {entry.event_id for entry in child.entries}

    def _row(self, aggregate: Aggregate) -> tuple[str, int, str, bytes]:
        stored = self._app.mapper.to_stored_event(Snapshot.take(aggregate))
        return (str(aggregate.id), stored.originator_version, stored.topic, stored.state)

    def _load(self, aggregate_id: UUID) -> Any:
        with self._lock:
            row = self._db.execute(
                "SELECT version, topic, state FROM views WHERE aggregate_id = ?",
                (str(aggregate_id),),
            ).fetchone()
        if row is None:
            return None
        version, topic, state = row
        snapshot: Any = self._app.mapper.to_domain_event(
            StoredEvent(
                originator_id=aggregate_id, originator_version=version, topic=topic, state=state
            )
        )
        return snapshot.mutate(None)

    # Reading (the same calls as HubApplication) ---------------------------------------------

    def get_child(self, child_id: UUID) -> Child:
        """The child's row: status, contacts, siblings and the lookup's kinds of entries."""
        child = self._load(child_id)
        if not isinstance(child, Child):
            raise ChildNotFoundError(str(child_id))
        return child

    def find_child(self, key: str) -> Child:
        """A child by identifier key (``nhs/...``) or by hub child id."""
        return find_child(key, self.get_child, self._linked_child_id)

    def _linked_child_id(self, key: str) -> UUID | None:
        index = self._load(self._app.ids.identifier(key))
        return index.child_id if isinstance(index, IdentifierIndex) else None

    def birth_date_candidates(self, date_of_birth: str) -> list[Candidate]:
        """Demographic candidates come from the event store (this model keeps no dates)."""
        return self._app.birth_date_candidates(date_of_birth)


def _uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def _sqlite_change_counter(app: HubApplication) -> Callable[[], int] | None:
    """For an event store in a SQLite file: a counter that moves when anyone commits to it.

    ``PRAGMA data_version`` on a connection of our own changes whenever another
    connection commits, so a lookup with nothing new to apply costs one pragma, not a
    notification query. None for other stores (they are always asked).
    """
    recorder = app.recorder
    if not isinstance(recorder, SQLiteAggregateRecorder):
        return None
    pool = recorder.datastore.pool
    if pool.is_sqlite_memory_mode:
        return None
    connection = sqlite3.connect(
        pool.db_name,
        uri=pool.db_name.startswith("file:"),
        check_same_thread=False,
        isolation_level=None,
    )
    lock = threading.Lock()

    def data_version() -> int:
        with lock:
            return int(connection.execute("PRAGMA data_version").fetchone()[0])

    return data_version
