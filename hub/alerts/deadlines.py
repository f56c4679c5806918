"""Acknowledgement deadlines and escalation for alerts, on event time.

Deadlines count from when the alert was raised (its event time), not from when a
consumer happened to process it, so a replay or a slow consumer does not move them.

- Urgent: acknowledge within 1 hour; escalate to the team manager then, and to the
  duty team 1 hour later if still unacknowledged (MASH "red" is 4 hours end to end).
- Routine: acknowledge by 13:00 on the next working day, that is the next working-day
  start (09:00, weekdays that are not bank holidays) plus 4 hours, so a practitioner
  has the morning to read it; escalate to the team manager then, and to the duty team
  at 13:00 on the working day after that.

Everything here is pure: the current time is a parameter. ``Clock``, ``SystemClock``
and ``MovableClock`` are for the callers that need one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Protocol

from hub.calendar.school_day import ENGLAND, is_england_bank_holiday

DEFAULT_WORKING_DAY_START = time(9, 0)
_SEARCH_LIMIT_DAYS = 2 * 366


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class MovableClock:
    """A clock tests set and advance by hand."""

    current: datetime

    def __post_init__(self) -> None:
        _require_aware(self.current)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> datetime:
        self.current += delta
        return self.current

    def set(self, instant: datetime) -> None:
        _require_aware(instant)
        self.current = instant


class Urgency(StrEnum):
    URGENT = "urgent"
    ROUTINE = "routine"


class EscalationLevel(StrEnum):
    """Who an unacknowledged alert goes to next, in order."""

    TEAM_MANAGER = "team_manager"
    DUTY_TEAM = "duty_team"


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days: weekdays that are not bank holidays (England's, plus any extra)."""

    day_start: time = DEFAULT_WORKING_DAY_START
    extra_closures: frozenset[date] = frozenset()
    england_bank_holidays: bool = True

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.extra_closures:
            return False
        return not (self.england_bank_holidays and is_england_bank_holiday(day))

    def next_day_start(self, instant: datetime) -> datetime:
        """The first working-day start strictly after ``instant`` (England's local time)."""
        local = _require_aware(instant).astimezone(ENGLAND)
        day = local.date()
        for _ in range(_SEARCH_LIMIT_DAYS):
            start = datetime.combine(day, self.day_start, tzinfo=ENGLAND)
            if self.is_working_day(day) and start > local:
                return start
            day += timedelta(days=1)
        raise ValueError(f"no working day within {_SEARCH_LIMIT_DAYS} days of {local.date()}")


@dataclass(frozen=True)
class DeadlinePolicy:
    """The durations above; change them here rather than in callers."""

    urgent_ack: timedelta = timedelta(hours=1)
    urgent_second_escalation: timedelta = timedelta(hours=1)
    routine_hours_into_day: timedelta = timedelta(hours=4)


@dataclass(frozen=True)
class EscalationStep:
    due_at: datetime
    level: EscalationLevel


@dataclass(frozen=True)
class AlertState:
    """What escalation needs to know about one alert (ids and times only)."""

    alert_id: str
    urgency: Urgency
    raised_at: datetime
    acknowledged_at: datetime | None = None
    escalated: frozenset[EscalationLevel] = field(default_factory=frozenset)


def ack_deadline(
    urgency: Urgency,
    raised_at: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy | None = None,
) -> datetime:
    """When an alert raised at ``raised_at`` must have been acknowledged."""
    policy = policy or DeadlinePolicy()
    _require_aware(raised_at)
    if urgency is Urgency.URGENT:
        return raised_at + policy.urgent_ack
    return calendar.next_day_start(raised_at) + policy.routine_hours_into_day


def escalation_steps(
    urgency: Urgency,
    raised_at: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy | None = None,
) -> tuple[EscalationStep, EscalationStep]:
    """Both escalations in order: team manager at the deadline, then the duty team."""
    policy = policy or DeadlinePolicy()
    first = ack_deadline(urgency, raised_at, calendar, policy)
    if urgency is Urgency.URGENT:
        second = first + policy.urgent_second_escalation
    else:
        second = calendar.next_day_start(first) + policy.routine_hours_into_day
    return (
        EscalationStep(first, EscalationLevel.TEAM_MANAGER),
        EscalationStep(second, EscalationLevel.DUTY_TEAM),
    )


def due_escalations(
    state: AlertState,
    now: datetime,
    calendar: WorkingCalendar,
    policy: DeadlinePolicy | None = None,
) -> list[EscalationStep]:
    """Steps to send now: due at or before ``now``, not yet sent, alert not acknowledged.

    An acknowledgement at or before ``now`` stops all further escalation, even a late one.
    """
    _require_aware(now)
    if state.acknowledged_at is not None and state.acknowledged_at <= now:
        return []
    steps = escalation_steps(state.urgency, state.raised_at, calendar, policy)
    return [s for s in steps if s.due_at <= now and s.level not in state.escalated]


def next_escalation_at(
    state: AlertState, calendar: WorkingCalendar, policy: DeadlinePolicy | None = None
) -> datetime | None:
    """When to look at this alert again, or None if it is acknowledged or fully escalated."""
    if state.acknowledged_at is not None:
        return None
    steps = escalation_steps(state.urgency, state.raised_at, calendar, policy)
    return min((s.due_at for s in steps if s.level not in state.escalated), default=None)


def _require_aware(instant: datetime) -> datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return instant
