"""Which schools' rolls a child is on, from roll records and register marks (P4, S2)."""

from __future__ import annotations

from datetime import date
from itertools import permutations

from hub.domain.child import Child

A, B = "100001", "100002"


def _child() -> Child:
    return Child(first_event_id="e1", subject_index=0, details={})


def test_roll_record_puts_a_child_with_no_absence_on_the_roll() -> None:
    """A roll record alone (no register mark at all) makes the school the child's."""
    child = _child()
    child.record_roll(A, "Test Primary", "2024-09-04", None, "CURRENT_SINGLE")
    assert [A] == child.schools_on_roll(date(2026, 11, 20))


def test_leaver_is_not_the_schools_pupil_from_the_leaving_date() -> None:
    """On roll the day before the leaving date, not on it or after."""
    child = _child()
    child.record_roll(A, "Test Primary", "2024-09-04", None, "CURRENT_SINGLE")
    child.record_roll(A, "Test Primary", "2024-09-04", "2026-11-16", "PREVIOUS")
    assert [A] == child.schools_on_roll(date(2026, 11, 15))
    assert [] == child.schools_on_roll(date(2026, 11, 16))
    assert child.current_school is None


def test_roll_records_in_any_order_leave_the_same_enrolment() -> None:
    """Joined, left, and a later readmission: every arrival order ends in the same state."""
    records = [
        ("2024-09-04", None, "CURRENT_SINGLE"),
        ("2024-09-04", "2025-07-18", "PREVIOUS"),
        ("2026-01-05", None, "CURRENT_SINGLE"),
    ]
    states = set()
    for order in permutations(records):
        child = _child()
        for entry, leaving, status in order:
            child.record_roll(A, "Test Primary", entry, leaving, status)
        states.add(tuple(sorted(child.enrolments[A].items(), key=str)))
    assert 1 == len(states)
    [state] = states
    assert ("entry_date", "2026-01-05") in state and ("leaving_date", None) in state


def test_register_mark_puts_the_pupil_on_the_roll_that_day_and_after() -> None:
    """Seen present on a Friday: on the roll that Friday and over the weekend after."""
    child = _child()
    child.note_attendance(A, "Test Primary", "2026-11-20")
    assert [A] == child.schools_on_roll(date(2026, 11, 20), date(2026, 11, 23))
    assert [] == child.schools_on_roll(date(2026, 11, 19))


def test_register_evidence_lapses_after_the_longest_holiday() -> None:
    """Without a roll record, a school last seen 43 days ago is no longer the child's."""
    child = _child()
    child.note_attendance(A, "Test Primary", "2026-07-17")
    assert [A] == child.schools_on_roll(date(2026, 8, 28))
    assert [] == child.schools_on_roll(date(2026, 8, 29))


def test_seen_at_another_school_later_is_a_move() -> None:
    """Register marks at B starting after the last week at A end A (no roll needed)."""
    child = _child()
    child.note_attendance(A, "Test Primary", "2026-10-05")
    child.note_attendance(B, "Other Primary", "2026-11-02")
    assert [B] == child.schools_on_roll(date(2026, 11, 20))
    assert [A] == child.schools_on_roll(date(2026, 10, 20))


def test_register_marks_are_recorded_at_most_weekly() -> None:
    """A mark a day after the last one recorded adds no event; a week later does."""
    child = _child()
    assert child.note_attendance(A, "Test Primary", "2026-11-16")
    assert not child.note_attendance(A, "Test Primary", "2026-11-17")
    assert child.note_attendance(A, "Test Primary", "2026-11-23")
    assert child.note_attendance(A, "Test Primary", "2026-11-09")  # earlier: always recorded


def test_child_known_before_rolls_keeps_its_absence_school() -> None:
    """A child recorded before schools were kept per roll still has its latest absence school."""
    child = _child()
    child.involve("school", {"urn": A, "name": "Test Primary"})
    assert [A] == child.schools_on_roll(date(2026, 11, 20))
    assert A == child.current_school
