"""Roll records and register marks through the hub: resolved as every feed, UPN first."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from adapters import school, school_roll
from adapters.records import ParsedExport
from hub.application.hub_app import HubApplication
from hub.native_formats import SCHOOL_ROLL_COLUMNS
from tests.fixtures import native
from tests.fixtures.helpers import inbound_messages

ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
OLD_UPN, NEW_UPN = "L991375720067", "A123456789012"


def _roll(tmp_path: Path, name: str, row: str) -> ParsedExport:
    path = tmp_path / name
    path.write_text(",".join(SCHOOL_ROLL_COLUMNS) + "\n" + row + "\n", encoding="utf-8")
    return school_roll.parse_file(path)


def _row(upn: str, former: str, urn: str, first: str, other_name: str = "Smith") -> str:
    return (
        f"{urn},Test School {urn},{upn},{former},,{other_name},James,2015-03-04,LS1 4AB,,"
        f"{first},,C,2026-11-02T18:00:00+00:00"
    )


def test_a_new_upn_with_its_former_upn_reaches_the_same_child(tmp_path: Path) -> None:
    """A pupil known under a former UPN is found by it; the new UPN then names the child."""
    app = HubApplication(env=ENV)
    app.ingest(
        inbound_messages(_roll(tmp_path, "a.csv", _row(OLD_UPN, "", "100001", "2021-09-01")), 0),
        None,
    )
    # A different spelling, so only the former UPN can say it is the same child.
    changed = _row(NEW_UPN, OLD_UPN, "100002", "2026-11-02", other_name="Smyth")
    report = app.ingest(inbound_messages(_roll(tmp_path, "b.csv", changed), 1), None)
    assert (0, 0) == (report.new_children, report.queued_for_review)
    child = app.find_child(f"upn/{OLD_UPN}")
    assert NEW_UPN == child.identifiers["upn"]
    assert child.id == app.find_child(f"upn/{NEW_UPN}").id
    assert ["100001", "100002"] == child.schools_on_roll(date(2026, 11, 20))


def test_present_marks_add_no_chronology_entry(tmp_path: Path) -> None:
    """A full register puts the pupil on the roll without an entry per mark."""
    rows = [
        f"100001,Test Primary,{NEW_UPN},P1,Smith,James,2015-03-04,LS1 4AB,,"
        f"2026-11-{day},{session},/,,2026-11-{day}T09:30:00+00:00"
        for day in ("16", "17")
        for session in ("AM", "PM")
    ]
    path = tmp_path / "att.csv"
    path.write_text("\n".join([native.SCHOOL_HEADER, *rows]) + "\n", encoding="utf-8")
    app = HubApplication(env=ENV)
    app.ingest(inbound_messages(school.parse_file(path), 0), None)
    child = app.find_child(f"upn/{NEW_UPN}")
    assert ([], ["100001"]) == (child.entries, child.schools_on_roll(date(2026, 11, 20)))
