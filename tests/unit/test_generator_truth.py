"""Ground truth: one line per native record, with the children each record is really about."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.unit.test_generator_support import (
    cp_rows,
    hl7_messages,
    hl7_reference,
    jsonl,
    notifications,
    run,
    school_rows,
)

ABSENCE = {"C", "C1", "C2", "E", "H", "I", "M", "Q", "R", "S", "T", "Y", "G", "N", "O", "U"}


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("truth"))


@pytest.fixture(scope="module")
def truth(out: Path) -> list[dict[str, Any]]:
    return jsonl(out / "ground-truth.jsonl")


def _references(truth: list[dict[str, Any]], agency: str) -> set[str]:
    return {line["record_reference"] for line in truth if line["agency"] == agency}


def test_record_references_are_unique_per_agency(truth: list[dict[str, Any]]) -> None:
    """No agency reference appears twice in the ground truth."""
    counts = Counter((line["agency"], line["record_reference"]) for line in truth)
    assert [key for key, count in counts.items() if count > 1] == []


def test_truth_covers_every_a_and_e_message(out: Path, truth: list[dict[str, Any]]) -> None:
    """Every A04 and A03 has a ground-truth line, and nothing else does."""
    assert {hl7_reference(m) for m in hl7_messages(out)} == _references(truth, "ae")


def test_truth_covers_every_police_notification(out: Path, truth: list[dict[str, Any]]) -> None:
    """Every incident reference has a ground-truth line."""
    assert {n["incident_reference"] for n in notifications(out)} == _references(truth, "police")


def test_truth_covers_every_cp_row(out: Path, truth: list[dict[str, Any]]) -> None:
    """Every baseline and daily CP row has a line keyed la/child/event/date."""
    expected = {
        f"{r['la_code']}/{r['child_reference']}/{r['status_event']}/{r['event_date']}"
        for r in cp_rows(out)
    }
    assert expected == _references(truth, "csc")


def test_truth_covers_every_school_absence_mark(out: Path, truth: list[dict[str, Any]]) -> None:
    """Every absence row has a line keyed urn/upn-or-local-id/date/session/code."""
    expected = {
        f"{r['school_urn']}/{r['upn'] or r['local_pupil_id']}/{r['session_date']}/"
        f"{r['session']}/{r['attendance_code']}"
        for r in school_rows(out)
        if r["attendance_code"] in ABSENCE
    }
    assert (True, expected) == (len(expected) > 0, _references(truth, "school"))


def test_police_truth_lists_every_child_of_the_household(
    out: Path, truth: list[dict[str, Any]]
) -> None:
    """A notification's ground truth includes all the household's children."""
    members = {h["uprn"]: set(h["members"]) for h in jsonl(out / "households.jsonl")}
    for household in jsonl(out / "households.jsonl"):
        for move in household["moves"]:
            members[move["uprn"]] = set(household["members"])
    by_reference = {line["record_reference"]: set(line["child_ids"]) for line in truth}
    missing = [
        n["incident_reference"]
        for n in notifications(out)
        if not members[n["location"]["uprn"]] <= by_reference[n["incident_reference"]]
    ]
    assert missing == []


def test_truth_names_the_right_child_for_a_and_e(out: Path, truth: list[dict[str, Any]]) -> None:
    """Where an A&E message has an NHS number, it is the true child's NHS number."""
    nhs = {c["child_id"]: c["nhs_number"] for c in jsonl(out / "population.jsonl")}
    child_of = {line["record_reference"]: line["child_ids"][0] for line in truth}
    wrong = [
        hl7_reference(m)
        for m in hl7_messages(out)
        for rep in m["PID"][3].split("~")
        if rep.endswith("^NH") and rep.split("^")[0] != nhs[child_of[hl7_reference(m)]]
    ]
    assert wrong == []


def test_infant_not_on_a_plan_has_signals_from_two_agencies(
    out: Path, truth: list[dict[str, Any]]
) -> None:
    """The infant scenario child appears in both A&E and police ground truth."""
    infant = next(
        c["child_id"]
        for c in jsonl(out / "population.jsonl")
        if "infant-multi-agency" in c["scenarios"]
    )
    agencies = {line["agency"] for line in truth if infant in line["child_ids"]}
    assert {"ae", "police"} <= agencies
