"""The audit writer keeps its file lock from one queued group to the next, and never longer.

Two ``AuditLog`` objects on one file stand for two processes (each has its own open
file description, so their locks exclude each other as two processes' would).
"""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog

KEY = Ed25519PrivateKey.generate()


def _hammer(log: AuditLog, name: str, threads: int, appends: int) -> list[threading.Thread]:
    def run(thread: int) -> None:
        for n in range(appends):
            log.append("disclosure", [{"writer": name, "thread": thread, "n": n}])

    started = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in started:
        thread.start()
    return started


def test_two_writers_under_load_make_one_valid_chain(tmp_path: Path) -> None:
    """Two logs interleave groups, each holding the lock under load: every record, one chain."""
    path = tmp_path / "audit.sqlite"
    first, second = AuditLog(path, KEY), AuditLog(path, KEY)
    workers = _hammer(first, "first", 3, 40) + _hammer(second, "second", 3, 40)
    for worker in workers:
        worker.join(timeout=60)
    assert [False] * len(workers) == [worker.is_alive() for worker in workers]

    result = first.verify(KEY.public_key())
    writers = [record.payload["writer"] for record in first.records()]

    assert result.ok, result.problems
    assert (120, 120) == (writers.count("first"), writers.count("second"))
    first.close()
    second.close()


def test_the_lock_is_let_go_when_no_append_is_waiting(tmp_path: Path) -> None:
    """After a burst the other process can append at once, and the log knows it holds nothing."""
    path = tmp_path / "audit.sqlite"
    busy, other = AuditLog(path, KEY), AuditLog(path, KEY)
    for worker in _hammer(busy, "busy", 4, 25):
        worker.join(timeout=60)

    done = threading.Event()

    def append_once() -> None:
        other.append("disclosure", [{"writer": "other"}])
        done.set()

    threading.Thread(target=append_once, daemon=True).start()

    assert done.wait(timeout=10), "the first log kept the file lock after its last group"
    assert busy._file_lock_since is None
    busy.close()
    other.close()
