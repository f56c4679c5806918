"""An insider with write access to the audit database cannot hide what the hub recorded.

Each attack here verified as intact before the log had signed tree heads: the tail a
one-shot command wrote was unsigned, checkpoints could be deleted, and verification
trusted the public key file beside the log. The attacker edits the SQLite file
directly, as anyone who can write the data directory could.
``tests/integration/test_audit_tamper_postgres.py`` runs the same attacks on PostgreSQL.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters import social_care
from hub.application.hub_app import InboundMessage
from hub.audit.heads import key_fingerprint
from hub.audit.keys import audit_signing_key, private_pem, public_pem
from hub.bootstrap import build_application
from hub.cli.main import main
from hub.config import Settings
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native
from tests.fixtures.audit_tables import AuditTables

NHS = "9434765919"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store with one child on a plan, and a witness file outside the data directory."""
    return seeded_data_dir(tmp_path, monkeypatch)


def seeded_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str | None = None
) -> Path:
    """The data directory (and HUB_DATABASE_URL's database) with one child on a plan."""
    data = tmp_path / "data"
    monkeypatch.setenv("HUB_DATA_DIR", str(data))
    monkeypatch.setenv("HUB_AUDIT_WITNESS_FILE", str(tmp_path / "witness.jsonl"))
    if database_url:
        monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    csv = tmp_path / "cp.csv"
    csv.write_text(f"{native.CSC_HEADER}\n{native.CSC_PLAN_STARTED}\n", encoding="utf-8")
    codec = SingleObjectCodec(default_catalogue())
    values = [codec.encode(e.schema_name, e.record) for e in social_care.parse_file(csv).events]
    facts = FactCodec()
    settings = Settings(data_dir=data, kafka_bootstrap="unused", database_url=database_url)
    app = build_application(settings, worker=True)
    messages = [InboundMessage("t", 0, i, v, facts.decode_fact(v)) for i, v in enumerate(values)]
    app.ingest(messages, None)
    app.close()
    return data


@pytest.fixture
def tables(data_dir: Path) -> AuditTables:
    """The audit log's tables, as the attacker edits them."""
    return AuditTables(sqlite_file=data_dir / "audit.sqlite")


def _views(times: int, capsys: pytest.CaptureFixture[str]) -> None:
    """The operator looks at the chronology: a one-shot command that appends and exits."""
    for _ in range(times):
        assert 0 == main(["chronology", NHS])
    capsys.readouterr()


def _verify(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["audit", "verify", *extra])
    return code, capsys.readouterr().out


def test_an_untouched_log_verifies_after_one_shot_commands(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two chronology views: every record is under a signed head, with and without witness."""
    _views(2, capsys)
    witness = str(data_dir.parent / "witness.jsonl")
    code, out = _verify(capsys, "--witness", witness)
    assert 0 == code, out
    assert "audit log intact" in out


def test_deleting_the_last_records_after_a_one_shot_command_is_detected(
    data_dir: Path, tables: AuditTables, capsys: pytest.CaptureFixture[str]
) -> None:
    """The chronology command's newest records deleted: its signed head still counts them."""
    _views(2, capsys)
    tables.sql("DELETE FROM audit WHERE seq > ?", (tables.count() - 3,))
    code, out = _verify(capsys)
    assert 1 == code
    assert "records after them deleted" in out


def test_deleting_the_tail_with_its_heads_is_detected_by_the_witness(
    data_dir: Path, tables: AuditTables, capsys: pytest.CaptureFixture[str]
) -> None:
    """Records and the heads covering them both deleted: the witness file still has the heads.

    The database alone then holds a shorter log that is whole, so plain verification
    passes: this is what the witness is for.
    """
    _views(1, capsys)
    first_view = tables.count()
    _views(1, capsys)
    tables.sql("DELETE FROM audit WHERE seq > ?", (first_view,))
    tables.sql("DELETE FROM tree_heads WHERE size > ?", (first_view,))
    assert 0 == _verify(capsys)[0]
    code, out = _verify(capsys, "--witness", str(data_dir.parent / "witness.jsonl"))
    assert 1 == code
    assert "truncated after it was witnessed" in out
    assert "missing from the log (heads deleted)" in out


@pytest.mark.parametrize("which", ["all", "newest"])
def test_deleting_head_rows_is_detected(
    which: str, data_dir: Path, tables: AuditTables, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without its heads, the tail is covered by no signed head."""
    _views(2, capsys)
    if which == "all":
        tables.sql("DELETE FROM tree_heads")
    else:
        tables.sql("DELETE FROM tree_heads WHERE id = (SELECT max(id) FROM tree_heads)")
    code, out = _verify(capsys)
    assert 1 == code
    assert "covers them" in out or "no signed tree head covers" in out


def test_a_recomputed_chain_with_the_contradicting_heads_deleted_is_detected(
    data_dir: Path,
    tables: AuditTables,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An edited record, the chain recomputed, every head after it deleted.

    Detected at once (records without a head); after the next command re-signs the
    tail, by the time bound (signed long after recording) and by the witness (rewritten).
    """
    monkeypatch.setenv("HUB_AUDIT_HEAD_BOUND_SECONDS", "0.2")
    _views(1, capsys)
    first_view = tables.count()
    _views(1, capsys)
    tables.edit_and_rechain(first_view + 1)
    tables.sql("DELETE FROM tree_heads WHERE size > ?", (first_view,))
    code, out = _verify(capsys)
    assert 1 == code and "no signed head covers them" in out
    time.sleep(0.3)
    _views(1, capsys)  # the next process signs what it finds, loudly (logged as an error)
    code, out = _verify(capsys)
    assert 1 == code and "after they were recorded" in out, out
    code, out = _verify(
        capsys, "--bound", "60", "--witness", str(data_dir.parent / "witness.jsonl")
    )
    assert 1 == code and "(rewritten)" in out, out


def _forge_with(data_dir: Path, tables: AuditTables, intruder: Ed25519PrivateKey) -> None:
    """Edit a record, recompute the chain, re-sign every head with the intruder's key."""
    tables.edit_and_rechain(2)
    tables.sql("DELETE FROM tree_heads")
    forged = tables.open_log(intruder)
    forged.checkpoint()  # a first head pinning the intruder's key, over the edited records
    forged.close()
    (data_dir / "keys" / "audit-signing.pub.pem").write_bytes(public_pem(intruder.public_key()))


def test_a_replaced_public_key_file_and_re_signed_log_is_refused(
    data_dir: Path, tables: AuditTables, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Re-signed with another key, its public key put beside the log: plain verify refuses.

    Plain verification trusts the configured signing key, not the file; the IG lead's
    own copy of the key refuses it too.
    """
    _views(2, capsys)
    ig_copy = tmp_path / "ig-lead.pub.pem"
    ig_copy.write_bytes(public_pem(audit_signing_key(data_dir / "keys").public_key()))
    _forge_with(data_dir, tables, Ed25519PrivateKey.generate())
    code, out = _verify(capsys)
    assert 1 == code and "not the trusted key" in out, out
    code, out = _verify(capsys, "--public-key", str(ig_copy))
    assert 1 == code and "not the trusted key" in out


def test_a_replaced_key_pair_is_refused_against_the_ig_leads_fingerprint(
    data_dir: Path,
    tables: AuditTables,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With the embedded key itself replaced too, the pinned fingerprint still refuses it."""
    _views(1, capsys)
    pinned = key_fingerprint(audit_signing_key(data_dir / "keys").public_key())
    intruder = Ed25519PrivateKey.generate()
    _forge_with(data_dir, tables, intruder)
    (data_dir / "keys" / "audit-signing.pem").write_bytes(private_pem(intruder))
    assert 0 == _verify(capsys)[0]  # the data directory alone cannot tell
    monkeypatch.setenv("HUB_AUDIT_KEY_FINGERPRINT", pinned)
    code, out = _verify(capsys)
    assert 1 == code and "not the trusted key" in out


def test_only_the_public_key_file_replaced_is_reported(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key file that is none of the log's keys is named, even when the log is intact."""
    _views(1, capsys)
    stranger = Ed25519PrivateKey.generate().public_key()
    (data_dir / "keys" / "audit-signing.pub.pem").write_bytes(public_pem(stranger))
    code, out = _verify(capsys)
    assert 1 == code and "public key file replaced?" in out
