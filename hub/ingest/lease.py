"""The ingestion lease: only the worker holding it applies records to the event store.

Two ``hub run`` workers on one store form an active/standby pair. Chunks must be
applied in one deterministic order across all partitions (``hub.ingest.ordering``),
so two workers applying at once, each with part of the partitions, would break it.
The lease is a lock the store's own machinery enforces and releases the moment its
holder dies, whatever the way it dies (kill -9 included):

- SQLite: an exclusive ``flock`` on a file beside the database file. The kernel
  drops it when the holder's descriptor closes, at exit or on kill.
- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a
  connection of its own. The server drops it when that session ends: the process
  exited or was killed (its socket closes), or the connection was lost.

A standby polls ``try_acquire`` until it wins. The holder calls ``check`` before each
commit: it raises ``LeaseLostError`` if the lease is gone (PostgreSQL connection lost, lock
file replaced), so a worker that lost the lease stops before its next commit. Positions
are committed with the effects (tracking records), so a commit a paused worker had
already started is refused by the store if the new holder recorded that position first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import psycopg
import structlog

log = structlog.get_logger(__name__)

LEASE_NAME = "hub.ingest.worker"
STANDBY_POLL_S = 0.2
PG_APPLICATION_NAME = "hub-worker-lease"


class LeaseLostError(RuntimeError):
    """The lease was held and is no longer: this worker must apply nothing more."""


class Lease(Protocol):
    """What a worker needs of a lease, whichever store enforces it."""

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True if this process now holds it."""
        ...

    def check(self) -> None:
        """Raise ``LeaseLostError`` unless this process still holds the lease."""
        ...

    def release(self) -> None:
        """Give the lease up (also done by the store when the process dies)."""
        ...


class FileLease:
    """An exclusive ``flock`` on ``path``, the SQLite store's lease."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        if not self._same_file():  # replaced between open and lock: lock the new one
            self.release()
            return self.try_acquire()
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())  # for an operator: who holds it
        return True

    def _same_file(self) -> bool:
        """The locked descriptor is still the file at ``path`` (not deleted or replaced)."""
        assert self._fd is not None
        try:
            on_disk = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(self._fd)
        return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)

    def check(self) -> None:
        if self._fd is None or not self._same_file():
            raise LeaseLostError(f"the lease file {self.path} is no longer locked by this worker")

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None


def advisory_key(name: str) -> int:
    """A signed 64-bit advisory lock key derived from ``name`` (stable across processes)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresLease:
    """A session-level advisory lock on a connection of its own, the PostgreSQL store's lease."""

    def __init__(self, url: str, name: str = LEASE_NAME, *, keepalive_s: int = 5) -> None:
        self._url = url
        self.key = advisory_key(name)
        self._keepalive_s = keepalive_s
        self._connection: psycopg.Connection[tuple[object, ...]] | None = None
        self._held = False

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._connection is None or self._connection.closed:
            # TCP keepalives: a server that vanished is noticed in seconds, not hours.
            self._connection = psycopg.connect(
                self._url,
                autocommit=True,
                application_name=PG_APPLICATION_NAME,
                connect_timeout=10,
                keepalives=1,
                keepalives_idle=self._keepalive_s,
                keepalives_interval=1,
                keepalives_count=3,
            )
        return self._connection

    def try_acquire(self) -> bool:
        if self._held:
            return True
        try:
            row = self._connect().execute("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except psycopg.Error as error:  # the server is away: a standby keeps trying
            log.warning("worker_lease_unreachable", error=type(error).__name__)
            self.release()
            return False
        self._held = bool(row and row[0])
        return self._held

    def check(self) -> None:
        if not self._held or self._connection is None:
            raise LeaseLostError("the worker lease is not held")
        try:
            # A bigint key is held as (classid, objid) = its high and low 32 bits, objsubid 1.
            row = self._connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = pg_backend_pid() AND objsubid = 1"
                " AND classid::bigint = ((%(key)s >> 32) & 4294967295)"
                " AND objid::bigint = (%(key)s & 4294967295)",
                {"key": self.key},
            ).fetchone()
        except psycopg.Error as error:
            self._held = False
            reason = type(error).__name__
            raise LeaseLostError(f"the lease's connection failed: {reason}") from error
        if not row or row[0] != 1:
            self._held = False
            raise LeaseLostError("the worker lease's advisory lock is no longer held")

    def backend_pid(self) -> int:
        """The server process of the lease's session (to find or end it from outside)."""
        return self._connect().info.backend_pid

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._held and not connection.closed:
            # Unlocked at once; the session's end (below) would drop it a moment later.
            with contextlib.suppress(psycopg.Error):
                connection.execute("SELECT pg_advisory_unlock(%s)", (self.key,))
        self._held = False
        connection.close()


def wait_for_lease(
    lease: Lease,
    *,
    stopping: Callable[[], bool],
    poll_s: float = STANDBY_POLL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Block until ``lease`` is acquired (True) or ``stopping()`` says to give up (False)."""
    standby_since: float | None = None
    while not stopping():
        if lease.try_acquire():
            waited = 0.0 if standby_since is None else time.monotonic() - standby_since
            log.info("worker_lease_acquired", waited_s=round(waited, 3))
            return True
        if standby_since is None:
            standby_since = time.monotonic()
            log.info("worker_standby", reason="another worker holds the lease", poll_s=poll_s)
        sleep(poll_s)
    return False
