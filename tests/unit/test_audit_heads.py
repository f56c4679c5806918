"""Signed tree heads: one per append group, the key pinned, rotations, the time bound."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditKeyError, AuditLog
from hub.audit.heads import ROTATION_KIND, key_fingerprint
from hub.audit.merkle import MerkleTree
from hub.audit.records import chain_digest
from tests.fixtures.helpers import run_sql

KEY = Ed25519PrivateKey.generate()


def test_every_append_group_commits_a_signed_head_of_the_whole_tree(tmp_path: Path) -> None:
    """Three appends, three heads; each root is the Merkle root of the records so far."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}, {"n": 2}])
    log.append("lookup", [{"n": 3}])
    log.append_batch([("disclosure", {"n": 4}), ("disclosure", {"n": 5})])
    heads = log.heads()
    leaves = [record.leaf() for record in log.stored_records()]
    assert [2, 3, 5] == [head.size for head in heads]
    assert [MerkleTree(leaves).root(h.size).hex() for h in heads] == [h.root for h in heads]
    assert all(head.signed_by(KEY.public_key()) for head in heads)
    assert log.verify(KEY.public_key()).ok
    log.close()


def test_the_first_head_pins_the_public_key_and_only_the_first(tmp_path: Path) -> None:
    """The first head carries the public key its key id names; later heads carry the id only."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}])
    log.append("lookup", [{"n": 2}])
    first, second = log.heads()
    log.close()
    assert first.public_key is not None and second.public_key is None
    assert key_fingerprint(KEY.public_key()) == first.key_id == second.key_id


def test_a_process_with_another_key_may_not_append(tmp_path: Path) -> None:
    """A misconfigured or foreign key is refused before it writes anything."""
    AuditLog(tmp_path / "audit.sqlite", KEY).append("lookup", [{"n": 1}])
    other = AuditLog(tmp_path / "audit.sqlite", Ed25519PrivateKey.generate())
    with pytest.raises(AuditKeyError):
        other.append("lookup", [{"n": 2}])
    assert 1 == len(other.records())
    other.close()


def test_verification_refuses_a_key_the_log_does_not_pin(tmp_path: Path) -> None:
    """Checked against any other trusted key, an intact log is refused."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}])
    result = log.verify(Ed25519PrivateKey.generate().public_key())
    log.close()
    assert not result.ok
    assert "not the trusted key" in result.problems[0]


def test_a_rotation_signed_by_the_old_key_hands_the_log_to_the_new_one(tmp_path: Path) -> None:
    """After rotating, heads are signed by the new key; either key verifies the log."""
    new = Ed25519PrivateKey.generate()
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}])
    rotation = log.rotate_key(new)
    log.append("lookup", [{"n": 2}])
    log.close()
    reopened = AuditLog(tmp_path / "audit.sqlite", new)
    reopened.append("lookup", [{"n": 3}])
    heads = reopened.heads()
    assert ROTATION_KIND == rotation.kind
    assert [key_fingerprint(KEY.public_key())] + [key_fingerprint(new.public_key())] * 3 == [
        head.key_id for head in heads
    ]
    assert reopened.verify(KEY.public_key()).ok
    assert reopened.verify(new.public_key()).ok
    reopened.close()
    with pytest.raises(AuditKeyError):  # the old key may no longer append
        AuditLog(tmp_path / "audit.sqlite", KEY).append("lookup", [{"n": 4}])


def test_a_head_signed_by_another_key_without_a_rotation_is_refused(tmp_path: Path) -> None:
    """Heads re-signed by a new key, with no rotation record, fail against the pinned key."""
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    log.append("lookup", [{"n": 1}])
    log.close()
    intruder = Ed25519PrivateKey.generate()
    run_sql(path, f"UPDATE tree_heads SET key_id = '{key_fingerprint(intruder.public_key())}'")
    forged = AuditLog(path, intruder)  # appends under its key: the newest head names it
    forged.append("lookup", [{"n": 2}])
    result = forged.verify(KEY.public_key())
    forged.close()
    assert any("no rotation record signed by the old key" in p for p in result.problems)


def test_a_forged_rotation_record_is_refused(tmp_path: Path) -> None:
    """A rotation the old key did not sign does not hand the log over."""
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    log.append("lookup", [{"n": 1}])
    log.rotate_key(Ed25519PrivateKey.generate())
    log.close()
    with sqlite3.connect(path) as db:
        payload = db.execute("SELECT payload FROM audit WHERE seq = 2").fetchone()[0]
        forged = payload.replace('"signature":"', '"signature":"00')
    # Rewritten with its chain recomputed, so only the rotation's own signature is wrong.
    with sqlite3.connect(path) as db:
        prev = db.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()[0]
        at = db.execute("SELECT recorded_at FROM audit WHERE seq = 2").fetchone()[0]
        digest = chain_digest(prev, 2, at, ROTATION_KIND, forged)
        db.execute("UPDATE audit SET payload = ?, hash = ? WHERE seq = 2", (forged, digest))
    reopened = AuditLog(path, KEY)
    problems = reopened.verify(KEY.public_key()).problems
    reopened.close()
    assert "record 2: key rotation not signed by the key in force" in problems


def test_checkpoint_signs_nothing_new_when_every_record_is_covered(tmp_path: Path) -> None:
    """Heads are written with the records; an explicit checkpoint adds none."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}])
    log.checkpoint()
    log.checkpoint()
    assert 1 == len(log.heads())
    log.close()


def test_a_log_from_before_heads_is_adopted_once_and_verifies(tmp_path: Path) -> None:
    """Records chained by an earlier version get one adopting head; later groups as usual."""
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    log.append("lookup", [{"n": 1}, {"n": 2}])
    log.close()
    run_sql(path, "DROP TABLE tree_heads")  # as an earlier version left it
    adopted = AuditLog(path, KEY)
    adopted.append("lookup", [{"n": 3}])
    [first, second] = adopted.heads()
    result = adopted.verify(KEY.public_key())
    adopted.close()
    assert (2, 2, 0) == (first.size, first.adopted, second.adopted)
    assert result.ok, result.problems
    assert result.notes[0].startswith("records 1-2 were written before the log had signed heads")


def test_records_first_signed_later_than_the_bound_fail(tmp_path: Path) -> None:
    """Heads deleted, then a later append re-signs the tail: its records were signed late."""
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    log.append("lookup", [{"n": 1}])
    log.append("lookup", [{"n": 2}, {"n": 3}])
    run_sql(path, "DELETE FROM tree_heads WHERE size = 3")
    time.sleep(0.3)
    log.append("lookup", [{"n": 4}])
    assert log.verify(KEY.public_key(), bound_s=5).ok
    problems = log.verify(KEY.public_key(), bound_s=0.2).problems
    log.close()
    assert 1 == len(problems)
    assert problems[0].startswith("records 2-3: first signed up to 0.")
