"""``hub audit prove`` and ``hub audit check-proof``: a record's inclusion, checked offline."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.audit.keys import audit_signing_key, public_pem
from hub.audit.opening import open_audit_log
from hub.cli.main import main
from hub.config import Settings


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data directory whose audit log holds 7 records in three append groups."""
    data = tmp_path / "data"
    monkeypatch.setenv("HUB_DATA_DIR", str(data))
    log = open_audit_log(Settings.from_env())
    log.append("lookup", [{"n": n} for n in range(3)])
    log.append("disclosure", [{"n": 3}])
    log.append("alert-raised", [{"n": n} for n in range(4, 7)])
    log.close()
    return data


def _prove(seq: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    assert 0 == main(["audit", "prove", str(seq)])
    proof = tmp_path / f"proof-{seq}.json"
    proof.write_text(capsys.readouterr().out, encoding="utf-8")
    return proof


def _public_key(data_dir: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ig-lead-copy.pub.pem"  # the IG lead's copy, away from the log
    copy.write_bytes(public_pem(audit_signing_key(data_dir / "keys").public_key()))
    return copy


@pytest.mark.parametrize("seq", [1, 4, 7])
def test_a_proof_of_any_record_checks_with_the_public_key_alone(
    seq: int, data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The proof names the record and the newest head; check-proof says it is valid."""
    proof = _prove(seq, tmp_path, capsys)
    document = json.loads(proof.read_text(encoding="utf-8"))
    assert (seq, 7) == (document["record"]["seq"], document["tree_head"]["size"])
    key = _public_key(data_dir, tmp_path)
    assert 0 == main(["audit", "check-proof", str(proof), "--public-key", str(key)])
    assert capsys.readouterr().out.startswith(f"valid: record {seq} (")


def test_a_proof_with_an_altered_record_is_invalid(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Changing the proven record's payload makes the path lead elsewhere than the root."""
    proof = _prove(4, tmp_path, capsys)
    document = json.loads(proof.read_text(encoding="utf-8"))
    document["record"]["payload"] = '{"n":99}'
    proof.write_text(json.dumps(document), encoding="utf-8")
    key = _public_key(data_dir, tmp_path)
    assert 1 == main(["audit", "check-proof", str(proof), "--public-key", str(key)])
    assert "path does not lead to the root" in capsys.readouterr().out


def test_a_proof_checked_with_another_key_is_invalid(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A proof is only as good as the key: a stranger's key does not vouch for the head."""
    proof = _prove(2, tmp_path, capsys)
    stranger = tmp_path / "stranger.pub.pem"
    stranger.write_bytes(public_pem(audit_signing_key(tmp_path / "other").public_key()))
    assert 1 == main(["audit", "check-proof", str(proof), "--public-key", str(stranger)])
    assert "not this public key" in capsys.readouterr().out


def test_proving_a_record_the_log_does_not_hold_fails(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Record 8 of 7: no proof, exit 2."""
    assert 2 == main(["audit", "prove", "8"])
    assert "not covered" in capsys.readouterr().err
