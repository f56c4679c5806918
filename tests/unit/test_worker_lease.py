"""The SQLite store's worker lease (a flock beside the database) and the standby's wait for it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.config import Settings, SettingsError
from hub.ingest.lease import FileLease, LeaseLostError, wait_for_lease

HOLD_LEASE = """
import sys, time
from pathlib import Path
from hub.ingest.lease import FileLease
lease = FileLease(Path(sys.argv[1]))
assert lease.try_acquire()
print("held", flush=True)
time.sleep(600)
"""


def _acquired_within(lease: FileLease, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if lease.try_acquire():
            return True
        time.sleep(0.02)
    return False


def test_a_second_holder_is_refused_while_the_first_holds_it(tmp_path: Path) -> None:
    """Two leases on one file: the first wins, the second is refused and may not commit."""
    first, second = FileLease(tmp_path / "lease"), FileLease(tmp_path / "lease")

    assert (True, False) == (first.try_acquire(), second.try_acquire())
    first.check()
    with pytest.raises(LeaseLostError):
        second.check()


def test_the_lease_is_free_again_once_released(tmp_path: Path) -> None:
    """Releasing (closing the descriptor) lets the next worker take it at once."""
    first, second = FileLease(tmp_path / "lease"), FileLease(tmp_path / "lease")
    assert first.try_acquire()

    first.release()

    assert second.try_acquire()
    with pytest.raises(LeaseLostError):
        first.check()


def test_the_lease_is_released_when_its_holding_process_is_killed(tmp_path: Path) -> None:
    """Killing the holder (kill -9): the kernel drops its flock and a standby takes the lease."""
    path = tmp_path / "lease"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LEASE, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert "held" == holder.stdout.readline().strip()
        standby = FileLease(path)
        assert not standby.try_acquire()

        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=30)

        assert _acquired_within(standby, 10.0)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_a_replaced_lease_file_means_the_lease_is_lost(tmp_path: Path) -> None:
    """If the lock file is deleted (another worker could lock a new one), check() says so."""
    path = tmp_path / "lease"
    lease = FileLease(path)
    assert lease.try_acquire()

    path.unlink()

    with pytest.raises(LeaseLostError):
        lease.check()
    assert FileLease(path).try_acquire()


class _FakeLease:
    """Free after ``busy_for`` attempts."""

    def __init__(self, busy_for: int) -> None:
        self.attempts = 0
        self._busy_for = busy_for

    def try_acquire(self) -> bool:
        self.attempts += 1
        return self.attempts > self._busy_for

    def check(self) -> None:
        pass

    def release(self) -> None:
        pass


def test_a_standby_polls_until_the_lease_is_free() -> None:
    """wait_for_lease keeps trying at its poll interval and returns True once it holds it."""
    lease = _FakeLease(busy_for=3)
    pauses: list[float] = []

    assert wait_for_lease(lease, stopping=lambda: False, poll_s=0.5, sleep=pauses.append)
    assert (4, [0.5, 0.5, 0.5]) == (lease.attempts, pauses)


def test_a_standby_told_to_stop_gives_up_waiting() -> None:
    """A standby stopped (SIGTERM) before the lease is free returns False without taking it."""
    lease = _FakeLease(busy_for=1_000)
    pauses: list[float] = []

    assert not wait_for_lease(lease, stopping=lambda: len(pauses) >= 2, sleep=pauses.append)
    assert 2 == lease.attempts


def test_the_sqlite_lease_sits_beside_the_database_file(tmp_path: Path) -> None:
    """With SQLite the composition root's lease is a file next to the configured store."""
    settings = Settings.from_env(
        {"HUB_DATA_DIR": str(tmp_path), "HUB_DATABASE_URL": f"sqlite:///{tmp_path}/x/h.sqlite"}
    )

    lease = bootstrap(settings).worker_lease()

    assert isinstance(lease, FileLease)
    assert tmp_path / "x" / "h.sqlite.worker-lease" == lease.path


def test_consumer_timeouts_are_checked_against_each_other() -> None:
    """Heartbeats more than a third of the session apart, or a poll interval below it, refused."""
    with pytest.raises(SettingsError, match="HUB_KAFKA_HEARTBEAT_INTERVAL_MS"):
        Settings.from_env(
            {"HUB_KAFKA_SESSION_TIMEOUT_MS": "6000", "HUB_KAFKA_HEARTBEAT_INTERVAL_MS": "2500"}
        )
    with pytest.raises(SettingsError, match="HUB_KAFKA_MAX_POLL_INTERVAL_MS"):
        Settings.from_env(
            {"HUB_KAFKA_SESSION_TIMEOUT_MS": "20000", "HUB_KAFKA_MAX_POLL_INTERVAL_MS": "10000"}
        )
    settings = Settings.from_env({"HUB_KAFKA_SESSION_TIMEOUT_MS": "10000"})
    assert (10000, 1000, 300_000) == (
        settings.kafka_session_timeout_ms,
        settings.kafka_heartbeat_interval_ms,
        settings.kafka_max_poll_interval_ms,
    )
