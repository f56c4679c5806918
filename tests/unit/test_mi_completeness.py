"""Which sources are late or silent for a period (G3), judged from its end, never from now."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hub.mi.completeness import completeness
from hub.mi.report import Completeness
from hub.mi.sources import Sources
from tests.fixtures.mi_world import WEEK, arrival, child, entry, incident, reference, status

LATER = datetime(2027, 6, 1, tzinfo=UTC)


def weekdays(day: date) -> bool:
    return day.weekday() < 5


def judge(*entries: object, now: datetime = LATER) -> Completeness:
    sources = Sources([child("c1", *entries)])  # type: ignore[arg-type]
    return completeness(sources, reference(), WEEK, weekdays, now)


def states(judged: Completeness) -> dict[str, str]:
    return {s.label: s.state for s in judged.sources}


def every_agency_on_time() -> list[object]:
    return [
        arrival("2026-11-29T20:00:00+00:00", "V1"),
        incident("2026-11-29T21:00:00+00:00", "I1", "STANDARD"),
        entry("school-absence", "2026-11-27T09:00:00+00:00", "SCHOOL", "180375"),
        status("PLAN_REVIEWED", "2026-11-26"),
    ]


def test_every_source_on_time_makes_a_complete_report() -> None:
    """Each agency sent within its cadence before the end: complete, nothing listed."""
    judged = judge(*every_agency_on_time())
    assert (True, ()) == (judged.complete, judged.missing)


def test_a_daily_feed_silent_on_the_last_day_is_late() -> None:
    """Police daily: the last notification two days before the end makes the police late."""
    entries = [e for e in every_agency_on_time() if getattr(e, "agency", "") != "POLICE"]
    judged = judge(*entries, incident("2026-11-27T21:00:00+00:00", "I1", "STANDARD"))
    assert "late" == states(judged)["POLICE"]
    assert not judged.complete
    assert "INCOMPLETE" in judged.head()[0] and any("POLICE" in line for line in judged.head())


def test_a_feed_with_nothing_in_the_period_is_silent() -> None:
    """An agency whose last record is before the period, or that never sent, is silent."""
    entries = [e for e in every_agency_on_time() if getattr(e, "agency", "") != "POLICE"]
    judged = judge(*entries, incident("2026-10-01T21:00:00+00:00", "I1", "STANDARD"))
    assert "silent" == states(judged)["POLICE"]
    judged = judge(*entries)
    [police] = [s for s in judged.sources if s.label == "POLICE"]
    assert ("silent", None) == (police.state, police.last_record)


def test_schools_are_due_on_the_last_school_day_only() -> None:
    """School days: a Friday register covers a period ending on Sunday; Thursday's does not."""
    others = [e for e in every_agency_on_time() if getattr(e, "agency", "") != "SCHOOL"]
    thursday = entry("school-absence", "2026-11-26T09:00:00+00:00", "SCHOOL", "180375")
    assert "late" == states(judge(*others, thursday))["SCHOOL"]


def test_a_record_after_the_period_does_not_make_it_on_time() -> None:
    """Run later, after the police sent again, the past period's verdict is unchanged."""
    entries = [e for e in every_agency_on_time() if getattr(e, "agency", "") != "POLICE"]
    late = incident("2026-12-02T21:00:00+00:00", "I9", "STANDARD")
    assert "silent" == states(judge(*entries, late))["POLICE"]


def test_each_sending_organisation_is_judged_on_its_own_cadence() -> None:
    """An A&E site quiet all week is silent although the agency sent every day."""
    quiet_site = arrival("2026-11-10T10:00:00+00:00", "V0", "RZC01")
    judged = judge(*every_agency_on_time(), quiet_site)
    assert ("ok", "silent") == (
        states(judged)["EMERGENCY_CARE"],
        states(judged)["EMERGENCY_CARE RZC01"],
    )


def test_a_period_not_yet_over_is_provisional_and_incomplete() -> None:
    """Run before the period ends, the report says its figures are provisional."""
    judged = judge(*every_agency_on_time(), now=datetime(2026, 11, 28, tzinfo=UTC))
    assert (True, False) == (judged.provisional, judged.complete)
