"""The court chronology PDF, read back with pdftotext and checked against the hub's own data."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.bootstrap import System
from hub.documents.court_chronology import Period, last_two_years
from hub.documents.furniture import local_time
from hub.documents.service import ISSUED, IssuedDocument
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient
from tests.fixtures.document_world import SHIELDED_MARKERS, TODAY, document_system
from tests.fixtures.lookup_world import JAMES, OLIVER, UNKNOWN_NHS
from tests.fixtures.pdf_text import pdf_pages, pdf_text

LEAD = Recipient("sw-1", "social-worker", "383", "local-authority", "lead-social-worker")
GP = Recipient("dr-a", "gp", "B86001", "gp-practice", "registered-gp")
DESK = Recipient(
    "ae-1", "unscheduled-care-clinician", "RXX01", "unscheduled-care", "treating-clinician"
)
DSL = Recipient("dsl-1", "school-dsl", "107001", "school", "childs-school")
STRANGER = Recipient("dsl-9", "school-dsl", "100000", "school", "none")
WHEN = re.compile(r"(\d{4}-\d{2}-\d{2})\s(\d{2}:\d{2})")


@dataclass
class World:
    system: System
    app: HubApplication
    audit: AuditLog
    issued: dict[str, IssuedDocument]


def _issue(world: World, recipient: Recipient, purpose: str, nhs: str, period: Period) -> bytes:
    service = world.system.documents(world.app, world.audit)
    issued = service.court_chronology(recipient, purpose, f"nhs/{nhs}", period)
    world.issued[issued.document_id] = issued
    return issued.pdf


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    tmp_path: Path = tmp_path_factory.mktemp("documents")
    system = document_system(tmp_path)
    world = World(system, system.application(), system.audit(), {})
    yield world
    world.audit.close()


@pytest.fixture(scope="module")
def lead_all(world: World) -> bytes:
    return _issue(world, LEAD, "safeguarding", JAMES.nhs, Period(None, None))


@pytest.fixture(scope="module")
def gp_default(world: World) -> bytes:
    return _issue(world, GP, "safeguarding", JAMES.nhs, last_two_years(TODAY))


def test_every_entry_appears_in_date_order_with_the_hubs_date_and_time(
    world: World, lead_all: bytes
) -> None:
    """The rows are the child's entries (withdrawn ones too), in the hub's order, local time."""
    child = world.app.find_child(f"nhs/{JAMES.nhs}")
    expected = [local_time(e.occurred_at) for e in child.chronology(with_withdrawn=True)]
    pages = pdf_pages(lead_all, layout=True)
    found = [f"{d} {t}" for page in pages for d, t in WHEN.findall(page)]
    assert expected == [w for w in found if w in expected]
    assert len(expected) == len(set(found) & set(expected))


def test_the_last_two_years_by_default(gp_default: bytes) -> None:
    """Without --all, the 2024 attendance (over two years before today) is not a row."""
    text = pdf_text(gp_default)
    assert "2024-09-01" not in text
    assert "2026-11-01 08:10" in text
    assert f"Period {last_two_years(TODAY).start} to the date of this document" in text


def test_a_withdrawn_entry_is_shown_with_its_reason(lead_all: bytes) -> None:
    """The cancelled arrival stays, marked withdrawn with the hospital's reason."""
    text = pdf_text(lead_all)
    assert "WITHDRAWN: registration cancelled: other" in text
    assert "Withdrawn: not to be relied on" in text


def test_the_plan_is_a_band_over_the_rows_it_covers(lead_all: bytes) -> None:
    """The plan from 2026-10-01 is a period of its own and marks the rows after it."""
    text = pdf_text(lead_all)
    assert "Child protection plan 2026-10-01 continuing" in text
    rows = [line for page in pdf_pages(lead_all, layout=True) for line in page.splitlines()]
    assert any(line.strip().startswith("CP plan") and "2026-11-10" in line for line in rows)
    assert not any(line.strip().startswith("CP plan") and "2024-09-01" in line for line in rows)


def test_a_concern_shared_as_fact_only_keeps_its_detail_back(gp_default: bytes) -> None:
    """The GP learns of the police notification only as a fact (I1): no reference, no detail."""
    text = pdf_text(gp_default)
    assert "WYP-20261101-000001" not in text and "perpetrator" not in text
    assert "A concern was recorded; its detail is not disclosed" in text


def test_entries_a_recipient_may_not_have_are_counted_as_not_disclosed(world: World) -> None:
    """A school with no link to James gets no entry: each is counted with its reason category."""
    child = world.app.find_child(f"nhs/{JAMES.nhs}")
    text = pdf_text(_issue(world, STRANGER, "safeguarding", JAMES.nhs, Period(None, None)))
    assert "Arrived at" not in text and "WYP-" not in text and "James" not in text
    entries = len(child.chronology(with_withdrawn=True))
    assert f"{entries} entries not disclosed: no sharing rule for this recipient" in text


def test_every_page_carries_its_furniture(world: World, lead_all: bytes) -> None:
    """Who generated it, for whom, when, the policy version, page X of Y and the document id."""
    [issued] = [d for d in world.issued.values() if d.pdf == lead_all]
    pages = pdf_pages(lead_all)
    assert len(pages) == issued.pages >= 2
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert "Generated by: Safeguarding hub (synthetic demonstration)" in flat
        assert "For: sw-1 (social-worker, 383; lead social worker) for safeguarding" in flat
        assert "When: 2026-11-20 12:00" in flat
        assert f"Policy version: {world.system.policy().version}" in flat
        assert f"Page {number} of {len(pages)}" in flat
        assert f"Document id {issued.document_id}" in flat


def test_the_audit_log_records_the_document_id_its_hash_and_each_entry_shown(
    world: World, lead_all: bytes, gp_default: bytes
) -> None:
    """A document-issued record per document: id, SHA-256 of the file, entries with levels."""
    records = {r.payload["document_id"]: r.payload for r in world.audit.records(ISSUED)}
    for document_id, issued in world.issued.items():
        record = records[document_id]
        assert issued.sha256 == record["sha256"]
        assert "court-chronology" == record["document_kind"]
    [gp_record] = [r for r in records.values() if r["for"].startswith("dr-a")]
    assert {"minimised", "fact-only"} == {e["disclosure"] for e in gp_record["entries_shown"]}
    assert {} == gp_record["not_disclosed"]


@pytest.mark.parametrize("recipient", [GP, DESK, DSL], ids=lambda r: r.role)
def test_a_shielded_address_reaches_no_role_the_label_excludes(
    world: World, recipient: Recipient
) -> None:
    """Oliver's postcode, UPRN, incident reference and address are in none of their documents."""
    purpose = "direct-care" if recipient is DESK else "safeguarding"
    text = pdf_text(_issue(world, recipient, purpose, OLIVER.nhs, Period(None, None)))
    assert [] == [marker for marker in SHIELDED_MARKERS if marker in text]


def test_the_lead_social_worker_sees_what_the_label_shields(world: World) -> None:
    """The label allows social workers: their chronology names the incident (the check can fail)."""
    text = pdf_text(_issue(world, LEAD, "safeguarding", OLIVER.nhs, Period(None, None)))
    assert "WYP-20261116-000900" in text


def test_fields_a_label_withholds_are_marked_not_disclosed(world: World) -> None:
    """The clinician gets the shielded attendance without its summary, marked with the reason."""
    text = pdf_text(_issue(world, DESK, "direct-care", OLIVER.nhs, Period(None, None)))
    assert "Some details not disclosed: sensitivity label" in text
    assert "shielded" not in text.lower()


def test_a_child_the_hub_does_not_hold_is_an_audited_no_record_answer(world: World) -> None:
    """No document for an unknown NHS number; the answer "no record held" is audited."""
    service = world.system.documents(world.app, world.audit)
    before = len(world.audit.records("lookup"))
    with pytest.raises(ChildNotFoundError):
        service.court_chronology(LEAD, "safeguarding", f"nhs/{UNKNOWN_NHS}", Period(None, None))
    [record] = world.audit.records("lookup")[before:]
    assert ("no record held", "sw-1") == (
        record.payload["outcome"],
        record.payload["recipient"]["id"],
    )


def test_the_pdf_is_tagged_titled_in_english_with_its_fonts_embedded(
    lead_all: bytes, tmp_path: Path
) -> None:
    """pdfinfo: tagged, titled; the catalogue names en-GB; pdffonts: every font embedded."""
    path = tmp_path / "chronology.pdf"
    path.write_bytes(lead_all)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True)
    assert "Tagged:          yes" in info.stdout
    assert "Title:           Multi-agency chronology" in info.stdout
    assert re.search(rb"/Lang \(en(-|\\055)GB\)", lead_all)  # the hyphen may be escaped
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True)
    rows = fonts.stdout.splitlines()[2:]
    assert rows and all(" yes " in row.split("Identity-H")[-1] for row in rows)
