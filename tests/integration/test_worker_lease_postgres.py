"""The PostgreSQL store's worker lease: a session advisory lock, gone with its session."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import psycopg
import pytest

from hub.ingest.lease import LeaseLostError, PostgresLease

HOLD_LEASE = """
import sys, time
from hub.ingest.lease import PostgresLease
lease = PostgresLease(sys.argv[1])
assert lease.try_acquire()
print("held", flush=True)
time.sleep(600)
"""


def _acquired_within(lease: PostgresLease, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lease.try_acquire():
            return True
        time.sleep(0.05)
    return False


def test_a_second_holder_is_refused_until_the_first_releases(
    database_url: str,
) -> None:
    """One holder per database: the second is refused, and wins once the first lets go."""
    first, second = PostgresLease(database_url), PostgresLease(database_url)
    try:
        assert (True, False) == (first.try_acquire(), second.try_acquire())
        first.check()
        with pytest.raises(LeaseLostError):
            second.check()

        first.release()

        assert second.try_acquire()
        second.check()
    finally:
        first.release()
        second.release()


def test_the_lease_is_released_when_its_holding_process_is_killed(
    database_url: str,
) -> None:
    """Killing the holder (kill -9) ends its session, so the lock goes and a standby wins."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LEASE, database_url], stdout=subprocess.PIPE, text=True
    )
    standby = PostgresLease(database_url)
    try:
        assert holder.stdout is not None
        assert "held" == holder.stdout.readline().strip()
        assert not standby.try_acquire()

        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)

        assert _acquired_within(standby, 15.0)
    finally:
        standby.release()
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_lost_session_means_a_lost_lease(database_url: str) -> None:
    """The lease's session ended by the server (connection lost): check() raises, others win."""
    lease, standby = PostgresLease(database_url), PostgresLease(database_url)
    try:
        assert lease.try_acquire()
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (lease.backend_pid(),))

        with pytest.raises(LeaseLostError):
            lease.check()
        assert _acquired_within(standby, 15.0)
    finally:
        lease.release()
        standby.release()
