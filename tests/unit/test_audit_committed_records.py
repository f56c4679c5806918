"""Reading committed records of one kind never waits for the audit log's writer."""

from __future__ import annotations

import threading
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog

KEY = Ed25519PrivateKey.generate()


def test_committed_records_are_read_while_the_writer_is_busy(tmp_path: Path) -> None:
    """With the writer's lock held (an append being fsynced), a grant is still read at once."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("break-glass", [{"case_id": "c1"}])
    log.append("lookup", [{"lookup_id": "l1"}])
    answered: list[list[str]] = []
    with log._lock:  # the writer's, as while another thread's append commits
        reader = threading.Thread(
            target=lambda: answered.append(
                [r.payload["case_id"] for r in log.committed_records("break-glass")]
            )
        )
        reader.start()
        reader.join(timeout=10)
    log.close()
    assert [["c1"]] == answered


def test_committed_records_see_each_new_commit(tmp_path: Path) -> None:
    """A record appended after a first read is in the next read, in sequence order."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("break-glass", [{"case_id": "c1"}])
    first = [r.payload["case_id"] for r in log.committed_records("break-glass")]
    log.append("break-glass", [{"case_id": "c2"}])
    second = [r.payload["case_id"] for r in log.committed_records("break-glass")]
    log.close()
    assert (["c1"], ["c1", "c2"]) == (first, second)
