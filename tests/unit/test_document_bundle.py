"""The case-review bundle: the authority's cases, each child's signed document, an index."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.cli.main import main
from hub.config import Settings
from hub.documents.bundle import Case, DirectorySink, file_name, select_cases
from hub.documents.court_chronology import Period
from hub.documents.signing import trust_root
from hub.documents.verify import verify_document
from hub.policy.engine import Recipient
from tests.fixtures.document_world import clock, document_system, load_document_world
from tests.fixtures.lookup_world import JAMES, OLIVER
from tests.fixtures.pdf_text import pdf_text

REVIEW = Recipient(
    "case-review", "social-worker", "383", "local-authority", "responsible-authority"
)


def test_open_cases_are_the_authoritys_plans_and_care_and_its_open_alerts(tmp_path: Path) -> None:
    """James is on Leeds's plan; Oliver has an open alert to Leeds; the others are not cases."""
    app = document_system(tmp_path).application()
    james = str(app.find_child(f"nhs/{JAMES.nhs}").id)
    oliver = str(app.find_child(f"nhs/{OLIVER.nhs}").id)
    cases = select_cases(app, "383", {oliver: 2}, open_only=True)
    assert [(james, True, 0), (oliver, False, 2)] == sorted(
        (c.child_id, c.on_plan, c.open_alerts) for c in cases
    )
    assert [] == select_cases(app, "384", {}, open_only=False)


def test_each_child_has_a_signed_chronology_with_its_log_and_the_index_lists_them(
    tmp_path: Path,
) -> None:
    """Every document verifies; the index names each one's id and hash, and counts the cases."""
    system = document_system(tmp_path)
    app, audit = system.application(), system.audit()
    try:
        oliver = str(app.find_child(f"nhs/{OLIVER.nhs}").id)
        cases = select_cases(app, "383", {oliver: 1}, open_only=True)
        progress: list[tuple[int, int]] = []
        summary = system.case_review(app, audit, processes=0).build(
            "383", cases, REVIEW, "safeguarding", Period(None, None),
            DirectorySink(tmp_path / "bundle"), lambda done, total: progress.append((done, total)),
        )  # fmt: skip
        root = trust_root(system.settings.certs_dir)
        assert summary.index is not None
        for document in [d for _, d, _ in summary.documents] + [summary.index]:
            assert verify_document(document.pdf, audit, root).genuine
    finally:
        audit.close()
    assert [(1, 2), (2, 2)] == progress
    index = pdf_text((tmp_path / "bundle" / "index.pdf").read_bytes())
    assert "Children 2 On a child protection plan 1" in index
    assert "With open alerts 1" in index
    for case, document, _ in summary.documents:
        assert document.sha256[:16] in index
        text = pdf_text((tmp_path / "bundle" / f"child-{case.child_id}.pdf").read_bytes())
        assert "Multi-agency chronology" in text and "Disclosure log" in text


def test_the_command_writes_a_zip_with_helper_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hub export bundle -o FILE.zip: the children's PDFs and index.pdf, rendered by a helper."""
    system = bootstrap(Settings(data_dir=tmp_path, kafka_bootstrap="unused"), clock=clock)
    app = system.application()
    load_document_world(app, tmp_path)
    app.close()
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    out = tmp_path / "review.zip"
    assert 0 == main(
        ["export", "bundle", "--authority", "383", "--all", "--processes", "1", "-o", str(out)]
    )
    with zipfile.ZipFile(out) as bundle:
        names = sorted(bundle.namelist())
    assert 2 == len(names) and "index.pdf" == names[-1] and names[0].startswith("child-")
    assert "1 children's documents and index.pdf" in capsys.readouterr().out


def test_a_case_file_name_is_the_hub_child_id() -> None:
    """File names carry no name or identifier other than the hub's own child id."""
    assert "child-abc.pdf" == file_name(Case("abc", True, False))
