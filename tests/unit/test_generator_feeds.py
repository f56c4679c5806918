"""The daily native feeds: A&E HL7, police JSON, school registers, CP plan CSV."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from synthetic.identifiers import is_valid_nhs_number
from tests.unit.test_generator_support import (
    NOW,
    START,
    cp_rows,
    day_dirs,
    hl7_messages,
    hl7_reference,
    jsonl,
    notifications,
    run,
    school_rows,
    visit_reference,
)

END = datetime.fromisoformat("2026-11-09T00:00:00+00:00")


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run(tmp_path_factory.mktemp("feeds"))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bigger run for shares and rates: 5,000 children over the same four days."""
    return run(tmp_path_factory.mktemp("large"), children=5000)


def test_layout_has_one_directory_per_day(out: Path) -> None:
    """Four days give day-001 to day-004, each with the five feeds."""
    names = {p.name for d in day_dirs(out) for p in d.iterdir()}
    feeds = {"ae.hl7", "police.json", "school-attendance.csv", "school-roll.csv", "cp-plans.csv"}
    assert (4, feeds) == (len(day_dirs(out)), names)


def test_every_a04_has_an_a03_or_is_still_in_the_department(out: Path) -> None:
    """Each visit registered (A04) is discharged (A03) or listed in ae-open-visits.jsonl."""
    messages = hl7_messages(out)
    references = {visit_reference(m) for m in messages}
    arrivals = {visit_reference(m): hl7_reference(m) for m in messages}
    open_visits = {line["record_reference"] for line in jsonl(out / "ae-open-visits.jsonl")}
    unmatched = {r for r in references if r.endswith("/A04") and r[:-3] + "A03" not in references}
    assert {arrivals[r] for r in unmatched} == open_visits


def test_every_a03_has_its_a04(out: Path) -> None:
    """No discharge without the registration of the same visit."""
    references = {visit_reference(m) for m in hl7_messages(out)}
    assert set() == {
        r for r in references if r.endswith("/A03") and r[:-3] + "A04" not in references
    }


def test_a_and_e_messages_use_the_documented_fields(out: Path) -> None:
    """MSH-12 is 2.5.1, PV1-2 is E, the site is ED/MIU/WIC, ZSG has its fields, TS an offset."""
    messages = hl7_messages(out)
    bad = [
        hl7_reference(m)
        for m in messages
        if m["MSH"][12] != "2.5.1"
        or m["PV1"][2] != "E"
        or m["PV1"][3].split("^")[0] not in {"ED", "MIU", "WIC"}
        or len(m["ZSG"]) != (8 if m["MSH"][9].startswith("ADT^A03") else 6)
        or not re.fullmatch(r"\d{14}[+-]\d{4}", m["PV1"][44])
    ]
    assert (len(messages) > 0, bad) == (True, [])


def test_nhs_number_is_in_most_but_not_all_a_and_e_messages(large: Path) -> None:
    """Roughly 90% of A&E messages carry a valid NHS number."""
    messages = hl7_messages(large)
    numbers = [
        rep.split("^")[0] for m in messages for rep in m["PID"][3].split("~") if rep.endswith("^NH")
    ]
    assert (
        all(is_valid_nhs_number(n) for n in numbers),
        0.7 * len(messages) <= len(numbers) < len(messages),
    ) == (True, True)


def test_some_child_attends_two_different_sites(out: Path) -> None:
    """At least one child is registered at two different sites during the period."""
    truth = {
        line["record_reference"]: line["child_ids"][0] for line in jsonl(out / "ground-truth.jsonl")
    }
    sites: dict[str, set[str]] = {}
    for m in hl7_messages(out):
        sites.setdefault(truth[hl7_reference(m)], set()).add(m["MSH"][4])
    assert True is any(len(s) > 1 for s in sites.values())


def test_injected_safeguarding_flags_appear(out: Path) -> None:
    """Some discharge carries suspected NAI, one a refused examination, one an open concern."""
    a03 = [m for m in hl7_messages(out) if m["MSH"][9].startswith("ADT^A03")]
    nai = any(m["ZSG"][4] == "Y" for m in a03)
    refused = any(m["ZSG"][5] == "Y" for m in a03)
    open_concern = any(
        m["ZSG"][3] == "Y" and m["ZSG"][7] in {"home", "self-discharge"} for m in a03
    )
    assert (nai, refused, open_concern) == (True, True, True)


def test_police_notifications_are_only_at_homes_with_children(out: Path) -> None:
    """Every notification's UPRN is a household's home on that day, and it lists its children."""
    homes: dict[str, list[str]] = {}
    for household in jsonl(out / "households.jsonl"):
        for uprn in [household["uprn"], *(m["uprn"] for m in household["moves"])]:
            homes[uprn] = household["members"]
    found = notifications(out)
    bad = [
        n["incident_reference"]
        for n in found
        if n["location"]["uprn"] not in homes
        or sum(1 for c in n["children"] if c["resident"]) != len(homes[n["location"]["uprn"]])
    ]
    assert (len(found) > 0, bad) == (True, [])


def test_police_rarely_know_the_nhs_number(large: Path) -> None:
    """Fewer than a quarter of children in notifications have an NHS number."""
    children = [c for n in notifications(large) for c in n["children"]]
    assert sum(1 for c in children if c["nhs_number"]) < 0.25 * len(children)


def test_police_risk_levels_and_relations_are_documented_values(out: Path) -> None:
    """Risk is standard/medium/high; perpetrator relation is one of the seven values."""
    relations = {
        "parent",
        "step-parent",
        "parent-partner",
        "ex-partner",
        "sibling",
        "other-family",
        "other",
    }
    bad = [
        n["incident_reference"]
        for n in notifications(out)
        if n["risk_level"] not in {"standard", "medium", "high"}
        or n["perpetrator_relation"] not in relations
    ]
    assert bad == []


def test_school_feed_has_no_weekend_marks(out: Path) -> None:
    """No register row is dated on a Saturday or Sunday."""
    rows = school_rows(out)
    weekend = [r for r in rows if date.fromisoformat(r["session_date"]).weekday() >= 5]
    assert (len(rows) > 0, weekend) == (True, [])


def test_school_feed_marks_every_pupil_twice_a_school_day(out: Path) -> None:
    """Each pupil on a roll has an AM and a PM mark (plus any corrections) on a school day."""
    children = jsonl(out / "population.jsonl")
    pupils = sum(1 for c in children if c["school_urn"])
    rows = [r for r in school_rows(out) if r["session_date"] == START.isoformat()]
    sessions = {(r["school_urn"], r["local_pupil_id"], r["session"]) for r in rows}
    assert 2 * pupils == len(sessions)


def test_school_absence_is_about_seven_percent(large: Path) -> None:
    """Between 5% and 9% of marks are absences."""
    absence = {"C", "C1", "C2", "E", "H", "I", "M", "Q", "R", "S", "T", "Y", "G", "N", "O", "U"}
    rows = school_rows(large)
    share = sum(1 for r in rows if r["attendance_code"] in absence) / len(rows)
    assert 0.05 < share < 0.09


def test_cp_events_happen_during_the_period(out: Path) -> None:
    """At least one plan starts and one ends during the period."""
    events = {r["status_event"] for r in cp_rows(out) if r["event_date"] >= START.isoformat()}
    assert {"plan-started", "plan-ended"} <= events


def test_baseline_holds_plans_and_looked_after_status_in_force(out: Path) -> None:
    """The baseline has the start rows of every plan and care episode of the population."""
    children = jsonl(out / "population.jsonl")
    expected = sum(int(c["on_plan"]) + int(c["looked_after"]) for c in children)
    assert expected == len([r for r in cp_rows(out) if r["event_date"] < START.isoformat()])


def _timestamps(out: Path) -> list[datetime]:
    stamps: list[datetime] = []
    for m in hl7_messages(out):
        for value in (m["MSH"][7], m["EVN"][2], m["PV1"][44], *m["PV1"][45:46]):
            if value:
                stamps.append(datetime.strptime(value, "%Y%m%d%H%M%S%z"))
    for n in notifications(out):
        stamps += [
            datetime.fromisoformat(n["incident_time"]),
            datetime.fromisoformat(n["recorded_time"]),
        ]
    for r in school_rows(out) + cp_rows(out):
        stamps.append(datetime.fromisoformat(r["recorded_at"]))
    return stamps


def test_no_timestamp_is_after_the_period(out: Path) -> None:
    """Every recorded, arrival, discharge and incident time is before the period's end."""
    assert [stamp for stamp in _timestamps(out) if stamp >= END] == []


def test_no_date_is_in_the_future(out: Path) -> None:
    """Dates of birth, event and session dates are all before now."""
    dates = [c["dob"] for c in jsonl(out / "population.jsonl")]
    dates += [r["event_date"] for r in cp_rows(out)] + [r["date_of_birth"] for r in cp_rows(out)]
    dates += [r["session_date"] for r in school_rows(out)]
    dates += [c["date_of_birth"] for n in notifications(out) for c in n["children"]]
    assert [d for d in dates if d >= NOW.date().isoformat()] == []


def test_some_agency_records_misspell_names(large: Path) -> None:
    """At least one A&E or police record spells a child's name differently from the truth."""
    truth = {(c["given_name"], c["family_name"]) for c in jsonl(large / "population.jsonl")}
    police = {
        (c["given_name"], c["family_name"]) for n in notifications(large) for c in n["children"]
    }
    ae = {tuple(m["PID"][5].title().split("^")[::-1]) for m in hl7_messages(large)}
    upper_truth = {(g.title(), f.title()) for g, f in truth}
    assert True is bool((police - truth) or (ae - upper_truth))


def test_some_child_on_a_plan_has_a_run_of_unauthorised_absence(large: Path) -> None:
    """A pupil on a plan is marked N or O in at least two sessions of the period."""
    on_plan = {c["upn"] for c in jsonl(large / "population.jsonl") if c["on_plan"] and c["upn"]}
    runs = Counter(
        r["upn"]
        for r in school_rows(large)
        if r["upn"] in on_plan and r["attendance_code"] in {"N", "O"}
    )
    assert True is any(count >= 2 for count in runs.values())
