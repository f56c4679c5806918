"""The audit log detects any modified, deleted, inserted or reordered record, and says where."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog, payload_text
from tests.fixtures.helpers import run_sql

KEY = Ed25519PrivateKey.generate()


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    log.append("disclosure", [{"n": n, "decision": "full"} for n in range(1, 11)])
    log.checkpoint()
    log.close()
    return path


def _verify(path: Path) -> list[str]:
    log = AuditLog(path, KEY)
    try:
        return log.verify(KEY.public_key()).problems
    finally:
        log.close()


def test_untouched_log_verifies(log_path: Path) -> None:
    """An intact chain under a signed head has no problems."""
    assert [] == _verify(log_path)


def test_modified_record_is_detected(log_path: Path) -> None:
    """Changing a record's content is reported at that record."""
    run_sql(log_path, """UPDATE audit SET payload = '{"decision":"refuse","n":4}' WHERE seq = 4""")
    assert ["record 4: content does not match its hash (modified)"] == _verify(log_path)


def test_deleted_record_is_detected(log_path: Path) -> None:
    """Deleting a record is reported where the gap is."""
    run_sql(log_path, "DELETE FROM audit WHERE seq = 6")
    assert _verify(log_path)[0].startswith("record 6: missing (deleted)")


def test_deleted_tail_is_detected_by_the_signed_head(log_path: Path) -> None:
    """Deleting the newest records leaves a valid-looking chain, but the signed head disagrees."""
    run_sql(log_path, "DELETE FROM audit WHERE seq > 8")
    [problem] = _verify(log_path)
    assert problem.startswith("head of 10 records signed ")
    assert problem.endswith(": the log has only 8 records (records after them deleted)")


def test_inserted_record_is_detected(log_path: Path) -> None:
    """A record slipped in with a copied hash breaks the chain after it."""
    run_sql(log_path, "UPDATE audit SET seq = seq + 100 WHERE seq > 5")
    run_sql(
        log_path,
        "INSERT INTO audit SELECT 6, recorded_at, kind, payload, prev_hash, hash"
        " FROM audit WHERE seq = 5",
    )
    assert _verify(log_path)[0].startswith("record 6:")


def test_reordered_records_are_detected(log_path: Path) -> None:
    """Swapping two records' positions is reported at the first out-of-place record."""
    run_sql(log_path, "UPDATE audit SET seq = -3 WHERE seq = 3")
    run_sql(log_path, "UPDATE audit SET seq = 3 WHERE seq = 7")
    run_sql(log_path, "UPDATE audit SET seq = 7 WHERE seq = -3")
    assert _verify(log_path)[0].startswith("record 3:")


def test_forged_head_signature_is_detected(log_path: Path) -> None:
    """A head not signed by the audit key is reported."""
    other = Ed25519PrivateKey.generate().sign(b"10:x").hex()
    run_sql(log_path, f"UPDATE tree_heads SET signature = '{other}'")
    [problem] = _verify(log_path)
    assert problem.startswith("head of 10 records signed ") and problem.endswith(
        ": signature invalid"
    )


def test_idempotency_keys_write_a_record_once(tmp_path: Path) -> None:
    """A retried append with the same keys writes nothing twice; new keys still append."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    first = log.append_batch([("alert-raised", {"n": 1}), ("alert-raised", {"n": 2})], ["a", "b"])
    again = log.append_batch([("alert-raised", {"n": 1}), ("alert-raised", {"n": 3})], ["a", "c"])
    unkeyed = log.append_batch([("lookup", {"n": 4}), ("lookup", {"n": 4})])
    assert [r.payload["n"] for r in first] == [1, 2]
    assert [r.payload["n"] for r in again] == [3]
    assert len(unkeyed) == 2
    assert [r.payload["n"] for r in log.records()] == [1, 2, 3, 4, 4]
    assert log.verify(KEY.public_key()).ok
    log.close()


def test_a_batch_beyond_one_statements_parameters_is_written_whole(tmp_path: Path) -> None:
    """1,200 keyed records (several statements' worth), a repeated key among them: once each."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append_batch([("alert-raised", {"n": 0})], ["key-0"])
    items = [("alert-raised", {"n": n}) for n in range(1200)]
    keys = [f"key-{n}" for n in range(1200)]
    keys[7] = "key-6"  # a second record with one key, in the same batch
    written = log.append_batch(items, keys)
    assert [r.payload["n"] for r in written] == [n for n in range(1, 1200) if n != 7]
    assert [r.seq for r in log.records()] == list(range(1, 1200))
    assert log.verify(KEY.public_key()).ok
    assert log.append_batch([("alert-raised", {"n": 1})], ["key-1199"]) == []
    assert [1, 1199] == [head.size for head in log.heads()]  # one head per append group
    log.close()


def test_a_failed_append_writes_nothing_and_the_next_one_continues_the_chain(
    tmp_path: Path,
) -> None:
    """A record that cannot be written fails its whole append; the log stays whole."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append("lookup", [{"n": 1}])
    with pytest.raises(TypeError):
        log.append_batch([("lookup", {"n": 2}), ("disclosure", {"bad": object()})], ["k", None])
    assert log.append_batch([("lookup", {"n": 3})], ["k"])[0].seq == 2
    assert [r.payload["n"] for r in log.records()] == [1, 3]
    assert log.verify(KEY.public_key()).ok
    log.close()


def test_one_batch_may_mix_kinds(tmp_path: Path) -> None:
    """A lookup and its disclosures are written in one transaction, in order."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    log.append_batch([("lookup", {"id": "x"}), ("disclosure", {"id": "x"})])
    assert [r.kind for r in log.records()] == ["lookup", "disclosure"]
    assert [r.kind for r in log.records("disclosure")] == ["disclosure"]
    assert log.records(after=1)[0].kind == "disclosure"
    log.close()


def test_payload_text_reads_back_as_the_payload_and_refuses_what_it_always_refused() -> None:
    """Sorted keys and exact values, whichever library writes them.

    Int keys and big integers take the standard library's path, and a datetime is still
    refused rather than written some new way.
    """
    payload = {"b": [1, None, True, 2.5], "a": {"name": "Leeds A&E — Siân", "n": -(2**40)}}
    text = payload_text(payload)
    assert json.loads(text) == payload
    assert text.index('"a"') < text.index('"b"')
    assert payload_text({"by_number": {1: "one"}}) == '{"by_number":{"1":"one"}}'
    assert json.loads(payload_text({"big": 2**70})) == {"big": 2**70}
    with pytest.raises(TypeError):
        payload_text({"when": datetime(2026, 11, 23, tzinfo=UTC)})


def test_records_written_before_and_after_the_change_of_writer_verify_as_one_chain(
    tmp_path: Path,
) -> None:
    """Records written by the standard library (as before) and by orjson chain together."""
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)

    def as_before(payload: dict[str, object]) -> str:
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))

    with mock.patch("hub.audit.chain.payload_text", as_before):
        log.append("disclosure", [{"n": n, "who": "Siân"} for n in range(1, 6)])
    log.append("disclosure", [{"n": n, "who": "Siân"} for n in range(6, 11)])
    log.checkpoint()
    texts = [row[0] for row in log._db.execute("SELECT payload FROM audit ORDER BY seq")]
    log.close()
    assert "\\u00e2" in texts[0] and "Siân" in texts[-1]  # really two writers
    assert [] == _verify(path)


def test_two_writers_on_one_log_each_continue_from_the_others_records(tmp_path: Path) -> None:
    """A writer that kept its last state still continues after another process's appends."""
    path = tmp_path / "audit.sqlite"
    first, second = AuditLog(path, KEY), AuditLog(path, KEY)
    first.append("lookup", [{"n": 1}])
    second.append("lookup", [{"n": 2}, {"n": 3}])
    first.append("lookup", [{"n": 4}])
    assert [1, 2, 3, 4] == [r.payload["n"] for r in first.records()]
    assert [1, 2, 3, 4] == [r.seq for r in first.records()]
    assert first.verify(KEY.public_key()).ok
    first.close()
    second.close()
