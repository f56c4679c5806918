"""A child's plan and looked-after status as it was at a given moment, from the chronology.

Alert rules judge an entry against the child's status at the entry's event time,
not against the status as applied so far: a plan record that reaches the hub after
an attendance (another run, another partition, a slow agency) still makes that
attendance one "while on a plan". The status comes from the ``cp-status-*``
entries, ordered by their effective date, so the answer does not depend on the
order in which the records arrived.

A plan counts from the start of its start date through the whole of its end date:
on the day a plan ends, telling the social worker of an attendance is the safe
mistake. A child whose chronology holds no status entry at all (children built
directly in unit tests, or loaded before status entries existed) falls back to
the aggregate's current status.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry, instant

STATUS_PREFIX = "cp-status-"
PLAN_ON = frozenset({"PLAN_STARTED", "UNBORN_PLAN_STARTED", "PLAN_REVIEWED"})
PLAN_OFF = frozenset({"PLAN_ENDED"})


@dataclass(frozen=True)
class StatusAt:
    """Plan and looked-after status at one moment."""

    on_plan: bool
    looked_after: bool


@dataclass(frozen=True)
class _Change:
    effective: str  # ISO date
    order: tuple[str, str]  # (recorded_at, event_id): ties on one date, decided the same way
    status_event: str
    looked_after: bool | None


class StatusHistory:
    """The status changes of one child, in effective-date order."""

    def __init__(self, child: Child) -> None:
        changes = [_change(e) for e in child.entries if e.kind.startswith(STATUS_PREFIX)]
        self._changes = sorted(
            (c for c in changes if c is not None), key=lambda c: (c.effective, c.order)
        )
        self._current = StatusAt(child.on_plan, child.looked_after)

    @property
    def empty(self) -> bool:
        return not self._changes

    def at(self, moment: str) -> StatusAt:
        """The status in force at ``moment`` (an ISO instant or date)."""
        if not self._changes:
            return self._current
        day = instant(moment).date().isoformat() if "T" in moment else moment[:10]
        on_plan, looked_after = False, False
        for change in self._changes:
            if change.effective > day:
                break
            if change.status_event in PLAN_ON:
                on_plan = True
            elif change.status_event in PLAN_OFF:
                on_plan = on_plan and change.effective == day  # through the whole end date
            if change.looked_after is not None:
                looked_after = change.looked_after
        return StatusAt(on_plan, looked_after)


def _change(entry: ChronologyEntry) -> _Change | None:
    details = entry.details
    status = details.get("status_event")
    effective = details.get("event_date") or entry.occurred_at[:10]
    if not isinstance(status, str) or not isinstance(effective, str):
        return None
    looked_after = details.get("looked_after")
    return _Change(
        effective=effective[:10],
        order=(entry.recorded_at, entry.event_id),
        status_event=status,
        looked_after=looked_after if isinstance(looked_after, bool) else None,
    )
