"""Acknowledgement deadlines and escalation of unacknowledged alerts, on event time."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from hub.alerts.deadlines import (
    AlertState,
    EscalationLevel,
    MovableClock,
    Urgency,
    WorkingCalendar,
    ack_deadline,
    due_escalations,
    escalation_steps,
    next_escalation_at,
)
from tests.fixtures.helpers import london

CALENDAR = WorkingCalendar()
ONE_SECOND = timedelta(seconds=1)


def test_urgent_alerts_are_due_within_an_hour() -> None:
    """An urgent alert raised at 02:10 must be acknowledged by 03:10, day or night."""
    raised = london(2026, 11, 21, 2, 10)
    assert ack_deadline(Urgency.URGENT, raised, CALENDAR) == london(2026, 11, 21, 3, 10)


@pytest.mark.parametrize(
    ("raised", "due"),
    [
        (london(2026, 11, 23, 10), london(2026, 11, 24, 13)),  # Monday morning -> Tuesday 13:00
        (london(2026, 11, 23, 7), london(2026, 11, 23, 13)),  # before 09:00 -> the same day
        (london(2026, 11, 20, 17), london(2026, 11, 23, 13)),  # Friday -> Monday
        (london(2026, 5, 1, 15), london(2026, 5, 5, 13)),  # before a bank holiday -> Tuesday
        (london(2026, 3, 27, 17), london(2026, 3, 30, 13)),  # over the change to BST
    ],
)
def test_routine_alerts_are_due_at_13_00_on_the_next_working_day(
    raised: datetime, due: datetime
) -> None:
    """Routine: next working-day start (09:00, weekdays, not bank holidays) plus four hours."""
    assert ack_deadline(Urgency.ROUTINE, raised, CALENDAR) == due


def test_working_day_start_and_closures_are_configurable() -> None:
    """An 08:00 start and an extra closure day move the routine deadline."""
    calendar = WorkingCalendar(
        day_start=time(8), extra_closures=frozenset({london(2026, 11, 24, 0).date()})
    )
    raised = london(2026, 11, 23, 10)
    assert ack_deadline(Urgency.ROUTINE, raised, calendar) == london(2026, 11, 25, 12)


def test_escalation_steps_go_to_team_manager_then_duty_team() -> None:
    """Urgent: team manager at one hour, duty team at two; routine: a working day apart."""
    raised = london(2026, 11, 20, 17)
    urgent = escalation_steps(Urgency.URGENT, raised, CALENDAR)
    routine = escalation_steps(Urgency.ROUTINE, raised, CALENDAR)
    assert [(s.due_at, s.level) for s in urgent] == [
        (london(2026, 11, 20, 18), EscalationLevel.TEAM_MANAGER),
        (london(2026, 11, 20, 19), EscalationLevel.DUTY_TEAM),
    ]
    assert [(s.due_at, s.level) for s in routine] == [
        (london(2026, 11, 23, 13), EscalationLevel.TEAM_MANAGER),
        (london(2026, 11, 24, 13), EscalationLevel.DUTY_TEAM),
    ]


def test_escalation_fires_at_the_deadline_and_not_before() -> None:
    """G2: nothing one second before the deadline; the team manager step at the deadline."""
    raised = london(2026, 11, 20, 17)
    state = AlertState("alert-1", Urgency.URGENT, raised)
    clock = MovableClock(raised + timedelta(hours=1) - ONE_SECOND)
    assert due_escalations(state, clock.now(), CALENDAR) == []
    clock.advance(ONE_SECOND)
    assert [s.level for s in due_escalations(state, clock.now(), CALENDAR)] == [
        EscalationLevel.TEAM_MANAGER
    ]


def test_second_escalation_fires_if_still_unacknowledged() -> None:
    """After the team manager step is sent, the duty team step fires at the second deadline."""
    raised = london(2026, 11, 20, 17)
    state = AlertState(
        "alert-1", Urgency.URGENT, raised, escalated=frozenset({EscalationLevel.TEAM_MANAGER})
    )
    clock = MovableClock(raised + timedelta(hours=2) - ONE_SECOND)
    assert due_escalations(state, clock.now(), CALENDAR) == []
    clock.advance(ONE_SECOND)
    assert [s.level for s in due_escalations(state, clock.now(), CALENDAR)] == [
        EscalationLevel.DUTY_TEAM
    ]
    sent_both = AlertState("alert-1", Urgency.URGENT, raised, escalated=frozenset(EscalationLevel))
    assert due_escalations(sent_both, clock.now(), CALENDAR) == []


def test_a_consumer_that_was_down_sends_both_steps_in_order() -> None:
    """Deadlines are on event time: checking late returns every missed step, oldest first."""
    raised = london(2026, 11, 20, 17)
    state = AlertState("alert-1", Urgency.ROUTINE, raised)
    due = due_escalations(state, london(2026, 11, 30, 9), CALENDAR)
    assert [s.level for s in due] == [EscalationLevel.TEAM_MANAGER, EscalationLevel.DUTY_TEAM]


def test_acknowledgement_stops_escalation() -> None:
    """Acknowledged before the deadline: never escalated; after the first step: no second."""
    raised = london(2026, 11, 20, 17)
    on_time = AlertState("a", Urgency.URGENT, raised, acknowledged_at=raised + timedelta(minutes=5))
    assert due_escalations(on_time, raised + timedelta(days=1), CALENDAR) == []
    late = AlertState(
        "a",
        Urgency.URGENT,
        raised,
        acknowledged_at=raised + timedelta(minutes=90),
        escalated=frozenset({EscalationLevel.TEAM_MANAGER}),
    )
    assert due_escalations(late, raised + timedelta(hours=3), CALENDAR) == []


def test_acknowledgement_in_the_future_does_not_count_yet() -> None:
    """Replaying history: an acknowledgement after ``now`` does not stop a step due by ``now``."""
    raised = london(2026, 11, 20, 17)
    state = AlertState("a", Urgency.URGENT, raised, acknowledged_at=raised + timedelta(hours=5))
    assert len(due_escalations(state, raised + timedelta(hours=2), CALENDAR)) == 2


def test_next_escalation_at_says_when_to_look_again() -> None:
    """The scheduler wakes at the next unsent step, and not at all once acknowledged."""
    raised = london(2026, 11, 20, 17)
    fresh = AlertState("a", Urgency.URGENT, raised)
    once = AlertState(
        "a", Urgency.URGENT, raised, escalated=frozenset({EscalationLevel.TEAM_MANAGER})
    )
    done = AlertState("a", Urgency.URGENT, raised, acknowledged_at=raised)
    assert next_escalation_at(fresh, CALENDAR) == raised + timedelta(hours=1)
    assert next_escalation_at(once, CALENDAR) == raised + timedelta(hours=2)
    assert next_escalation_at(done, CALENDAR) is None


def test_movable_clock_and_aware_times() -> None:
    """The test clock moves only when told, and naive times are refused everywhere."""
    clock = MovableClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.advance(timedelta(minutes=3)) == datetime(2026, 1, 1, 0, 3, tzinfo=UTC)
    assert clock.now() == datetime(2026, 1, 1, 0, 3, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.set(datetime(2026, 1, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        ack_deadline(Urgency.URGENT, datetime(2026, 1, 1), CALENDAR)
