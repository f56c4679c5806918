"""hub export verify: a genuine document passes; a changed byte or another key's signature fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.cli.main import main
from hub.documents.court_chronology import Period
from hub.documents.pdf import render_pdf
from hub.documents.service import IssuedDocument
from hub.documents.signing import DocumentSigner
from hub.policy.engine import Recipient
from tests.fixtures.document_world import document_system
from tests.fixtures.lookup_world import JAMES

LEAD = Recipient("sw-1", "social-worker", "383", "local-authority", "lead-social-worker")


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, IssuedDocument]]:
    data_dir = tmp_path_factory.mktemp("verify")
    system = document_system(data_dir)
    app, audit = system.application(), system.audit()
    documents = system.documents(app, audit)
    yield (
        data_dir,
        documents.court_chronology(LEAD, "safeguarding", f"nhs/{JAMES.nhs}", Period(None, None)),
    )
    audit.close()


def _verify(
    data_dir: Path, pdf: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
    path = data_dir / "checked.pdf"
    path.write_bytes(pdf)
    code = main(["export", "verify", str(path)])
    return code, capsys.readouterr().out


def test_a_document_the_hub_issued_is_genuine(
    issued: tuple[Path, IssuedDocument],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The signature chains to the hub's CA and the audit log holds its id and SHA-256."""
    data_dir, document = issued
    code, out = _verify(data_dir, document.pdf, monkeypatch, capsys)
    assert 0 == code
    assert out.startswith(f"genuine: document {document.document_id} (court-chronology")


@pytest.mark.parametrize("where", [0.25, 0.5, 0.99])
def test_a_single_byte_changed_is_not_genuine(
    issued: tuple[Path, IssuedDocument],
    where: float,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """One bit flipped anywhere (content, signature, trailer): rejected, the hash named."""
    data_dir, document = issued
    changed = bytearray(document.pdf)
    changed[int(len(changed) * where)] ^= 0x01
    code, out = _verify(data_dir, bytes(changed), monkeypatch, capsys)
    assert 1 == code
    assert out.startswith("NOT GENUINE")
    assert "differs from document" in out or "records no document" in out


def test_a_document_re_signed_by_another_key_is_not_genuine(
    issued: tuple[Path, IssuedDocument],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same pages signed with a key from another CA: untrusted, and unknown to the log."""
    data_dir, document = issued
    forger = DocumentSigner(tmp_path / "other-ca")
    resigned = forger.sign(document.pdf, "re-signed", "Forger")
    code, out = _verify(data_dir, resigned, monkeypatch, capsys)
    assert 1 == code
    assert "2 signatures; the hub signs once" in out


def test_a_forgery_signed_only_by_another_key_is_not_genuine(
    issued: tuple[Path, IssuedDocument],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A look-alike rendered and signed elsewhere: the signer is not the hub's CA's."""
    data_dir, _ = issued
    pdf, _pages = render_pdf("<html lang='en-GB'><title>Chronology</title><p>forged</p></html>")
    forged = DocumentSigner(tmp_path / "other-ca").sign(pdf, "forged")
    code, out = _verify(data_dir, forged, monkeypatch, capsys)
    assert 1 == code
    assert "not issued by this hub's CA" in out
    assert "records no document" in out
