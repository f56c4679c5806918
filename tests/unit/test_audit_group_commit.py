"""Concurrent appends to the audit log share one transaction, each caller's records atomic.

The writer's lock is held by the test while several threads queue their appends, so that
one of them writes them all in one group, as happens under load in the lookup server.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog, AuditRecord

KEY = Ed25519PrivateKey.generate()


def _queued(log: AuditLog, callers: int) -> None:
    deadline = time.monotonic() + 10
    while len(log._queue) < callers:  # waiting for the group to form
        assert time.monotonic() < deadline, "appends were not queued"
        time.sleep(0.005)


def _run_grouped(
    log: AuditLog, batches: list[list[tuple[str, dict[str, Any]]]], queued: int | None = None
) -> list[Any]:
    """Append each batch from its own thread while the writer is held; return results.

    ``queued``: how many appends reach the queue (a payload that cannot be encoded as JSON
    fails its caller before it queues).
    """
    results: list[Any] = [None] * len(batches)

    def append(index: int) -> None:
        try:
            results[index] = log.append_batch(batches[index])
        except Exception as error:  # the caller sees its own failure
            results[index] = error

    threads = [threading.Thread(target=append, args=(i,)) for i in range(len(batches))]
    with log._lock:  # hold the writer: the appends queue up
        for thread in threads:
            thread.start()
        _queued(log, len(batches) if queued is None else queued)
    for thread in threads:
        thread.join(timeout=10)
    return results


def test_grouped_appends_each_keep_their_records_together(tmp_path: Path) -> None:
    """Eight callers' records are all written, each caller's consecutively, chain intact."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    batches = [[("lookup", {"caller": c, "n": n}) for n in range(5)] for c in range(8)]

    results = _run_grouped(log, batches)

    assert all(isinstance(r, list) and len(r) == 5 for r in results)
    for caller, records in enumerate(results):
        seqs = [record.seq for record in records]
        assert seqs == list(range(seqs[0], seqs[0] + 5))
        assert {record.payload["caller"] for record in records} == {caller}
    assert 40 == len(log.records())
    assert log.verify(KEY.public_key()).ok
    log.close()


def test_one_callers_bad_record_fails_only_that_caller(tmp_path: Path) -> None:
    """A record that cannot be written fails its own append; the group's others commit."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    good = [("lookup", {"n": 1}), ("disclosure", {"n": 2})]
    bad: list[tuple[str, dict[str, Any]]] = [
        ("lookup", {"n": 3}),
        ("disclosure", {"not json": object()}),
    ]

    results = _run_grouped(log, [good, bad, good], queued=2)

    assert [isinstance(r, list) for r in results] == [True, False, True]
    assert isinstance(results[1], TypeError)
    written: list[AuditRecord] = log.records()
    assert [r.payload["n"] for r in written] == [1, 2, 1, 2]
    assert log.verify(KEY.public_key()).ok
    log.close()
