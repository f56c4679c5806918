"""The subject-access response (UK GDPR Article 15) PDF, read back with pdftotext."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.cli.main import main
from hub.config import Settings
from hub.documents.service import ISSUED
from tests.fixtures.document_world import SHIELDED_MARKERS, clock, load_document_world
from tests.fixtures.lookup_world import JAMES, OLIVER
from tests.fixtures.pdf_text import pdf_pages, pdf_text


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store (SQLite, so the command line reads it) with the world and prior disclosures."""
    path = tmp_path_factory.mktemp("sar")
    system = bootstrap(Settings(data_dir=path, kafka_bootstrap="unused"), clock=clock)
    app = system.application()
    load_document_world(app, path)
    app.close()
    return path


def _sar(data_dir: Path, nhs: str, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.setenv("HUB_DATA_DIR", str(data_dir))
    out = data_dir / f"sar-{nhs}.pdf"
    assert 0 == main(["sar", nhs, "--format", "pdf", "-o", str(out), "--viewer", "ig-lead"])
    return out.read_bytes()


@pytest.fixture(scope="module")
def james(data_dir: Path) -> Iterator[tuple[bytes, str]]:
    """James's response, after a GP saw his chronology (so the log has a disclosure in it)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HUB_DATA_DIR", str(data_dir))
        main(
            ["chronology", JAMES.nhs, "--as-role", "gp", "--relationship", "registered-gp",
             "--purpose", "direct-care", "--recipient", "dr-a", "--organisation", "B86001"]
        )  # fmt: skip
        yield _sar(data_dir, JAMES.nhs, patch), str(data_dir)


def test_the_response_follows_article_15(james: tuple[bytes, str]) -> None:
    """Confirmation, purposes, categories, recipients, retention, source, rights, in order."""
    text = pdf_text(james[0])
    headings = [
        "1. Confirmation",
        "2. Purposes and lawful bases",
        "3. Categories of personal data",
        "4. Recipients",
        "5. How long it is kept",
        "6. Where it came from",
        "7. Your rights",
        "8. The information held",
        "9. Disclosures and alerts about the child",
    ]
    positions = [text.index(h) for h in headings]
    assert sorted(positions) == positions
    assert "Right of access, UK GDPR Article 15" in text


def test_the_gps_view_is_in_the_log_with_its_lawful_basis(james: tuple[bytes, str]) -> None:
    """The GP's earlier disclosures are listed: role, organisation, purpose, basis, rule."""
    text = pdf_text(james[0])
    assert "gp, B86001" in text
    squeezed = text.replace("-", "").replace(" ", "")  # a narrow cell wraps the rule's id
    assert "gptoldofplanchangesandattendances" in squeezed
    assert "UK GDPR Art 9(2)(h)" in text
    assert "gp at B86001" in text  # among the recipients
    assert "dr-a" not in text  # the professional is named by role, not as a person


def test_the_information_held_is_the_childs_chronology_minimised(
    james: tuple[bytes, str],
) -> None:
    """Every entry; the police notification as a fact only (it is about third parties too)."""
    text = pdf_text(james[0])
    assert "Arrived at Wharfe Valley Minor Injury Unit" in text
    assert "2024-09-01" in text  # a response covers everything, not two years
    assert "perpetrator" not in text and "WYP-20261101-000001" not in text
    assert "A concern was recorded; its detail is not disclosed" in text


def test_every_page_carries_its_furniture_and_the_log_records_it(
    james: tuple[bytes, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Page X of Y and the document id on each page; a document-issued record with its hash."""
    pdf, data_dir = james
    pages = pdf_pages(pdf)
    audit = bootstrap(Settings(data_dir=Path(data_dir), kafka_bootstrap="unused")).audit()
    try:
        [record] = [r.payload for r in audit.records(ISSUED)][-1:]
    finally:
        audit.close()
    assert "subject-access-report" == record["document_kind"]
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Page {number} of {len(pages)}" in flat
        assert f"Document id {record['document_id']}" in flat
        assert "For: ig-lead (ig-lead, hub; none) for subject access" in flat


def test_a_shielded_address_is_not_in_the_response(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The label allows only social workers: the family's response never says where they are."""
    text = pdf_text(_sar(data_dir, OLIVER.nhs, monkeypatch))
    assert [] == [marker for marker in SHIELDED_MARKERS if marker in text]
    assert "Some details not disclosed: sensitivity label" in text
