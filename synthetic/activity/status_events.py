"""Children's social care status events: the baseline in force at the start, then changes.

Plans start and end for sibling groups at national rates (about 42,000 starts a year in
England), reviews fall due three months after the start and six-monthly after that, and
children enter and leave care. Every period has at least one plan start and one plan end.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from synthetic import clock
from synthetic.model import Child
from synthetic.rng import poisson
from synthetic.statuses import plan_category

if TYPE_CHECKING:
    from synthetic.world import World

CHILDREN_IN_ENGLAND = 12_000_000
PLAN_GROUP_STARTS_PER_DAY = 42_000 / 365 / 1.8 / CHILDREN_IN_ENGLAND  # per child, sibling groups
PLAN_GROUP_ENDS_PER_DAY = PLAN_GROUP_STARTS_PER_DAY
CARE_STARTS_PER_DAY = 33_000 / 365 / CHILDREN_IN_ENGLAND
CARE_ENDS_PER_DAY = 32_000 / 365 / CHILDREN_IN_ENGLAND


@dataclass(slots=True)
class StatusEvent:
    child_id: str
    status_event: str
    event_date: date
    plan_category: str | None
    looked_after: bool
    recorded_at: datetime


def baseline_events(world: World, rng: random.Random) -> list[StatusEvent]:
    """The plans and care episodes in force at the start, as the LA recorded them."""
    events: list[StatusEvent] = []
    for child in world.children:
        if child.on_plan and child.plan_started:
            in_care = (
                child.looked_after_started is not None
                and child.looked_after_started <= child.plan_started
            )
            events.append(
                _event(child, "plan-started", child.plan_started, child.plan_category, in_care, rng)
            )
        if child.looked_after and child.looked_after_started:
            events.append(
                _event(child, "looked-after-started", child.looked_after_started, None, True, rng)
            )
    events.sort(key=lambda event: (event.recorded_at, event.child_id))
    return events


def plan_status_events(world: World, rng: random.Random) -> list[StatusEvent]:
    """Status changes during the period, in order of recording."""
    config = world.config
    state = _State(world)
    forced_start, forced_end = rng.choice(config.dates), rng.choice(config.dates)
    events: list[StatusEvent] = []
    for day in config.dates:
        events += state.reviews(day, rng)
        starts = poisson(rng, len(world.children) * PLAN_GROUP_STARTS_PER_DAY)
        for _ in range(max(starts, int(day == forced_start and not state.any("plan-started")))):
            events += state.start_plans(day, rng)
        ends = poisson(rng, len(world.children) * PLAN_GROUP_ENDS_PER_DAY)
        for _ in range(max(ends, int(day == forced_end and not state.any("plan-ended")))):
            events += state.end_plans(day, rng)
        for _ in range(poisson(rng, len(world.children) * CARE_STARTS_PER_DAY)):
            events += state.enter_care(day, rng)
        for _ in range(poisson(rng, len(world.children) * CARE_ENDS_PER_DAY)):
            events += state.leave_care(day, rng)
    for event in events:
        world.by_id[event.child_id].status_changes.append((event.event_date, event.status_event))
    events.sort(key=lambda event: (event.recorded_at, event.child_id, event.status_event))
    return events


def _event(
    child: Child, kind: str, day: date, category: str | None, looked_after: bool, rng: random.Random
) -> StatusEvent:
    recorded = clock.local(day, rng.uniform(9 * 60, 17 * 60 + 30)).replace(microsecond=0)
    return StatusEvent(child.child_id, kind, day, category, looked_after, recorded)


class _State:
    """Who is on a plan or in care as the period unfolds; children change at most once a day."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.on_plan = {c.child_id: c.plan_category for c in world.children if c.on_plan}
        self.plan_started = {c.child_id: c.plan_started for c in world.children if c.on_plan}
        self.in_care = {c.child_id for c in world.children if c.looked_after}
        self.touched: set[str] = set()
        self.kinds: set[str] = set()

    def any(self, kind: str) -> bool:
        return kind in self.kinds

    def _emit(self, child_id: str, kind: str, day: date, rng: random.Random) -> StatusEvent:
        self.touched.add(child_id)
        self.kinds.add(kind)
        child = self.world.by_id[child_id]
        category = None if kind.startswith("looked-after") else self.on_plan.get(child_id)
        return _event(child, kind, day, category, child_id in self.in_care, rng)

    def reviews(self, day: date, rng: random.Random) -> list[StatusEvent]:
        due = [
            child_id
            for child_id, started in self.plan_started.items()
            if started and child_id not in self.touched and _review_due(started, day)
        ]
        return [self._emit(child_id, "plan-reviewed", day, rng) for child_id in sorted(due)]

    def start_plans(self, day: date, rng: random.Random) -> list[StatusEvent]:
        candidates = [
            household
            for household in self.world.at_risk or self.world.households
            if household.template != "infant"
            and not any(c in self.on_plan or c in self.touched for c in household.member_ids)
        ]
        if not candidates:
            return []
        household = rng.choice(candidates)
        category = plan_category(rng)
        for child_id in household.member_ids:
            self.on_plan[child_id] = category
            self.plan_started[child_id] = day
        return [self._emit(c, "plan-started", day, rng) for c in household.member_ids]

    def end_plans(self, day: date, rng: random.Random) -> list[StatusEvent]:
        groups = sorted(
            {self.world.by_id[c].household_id for c in self.on_plan if c not in self.touched}
        )
        if not groups:
            return []
        household = self.world.household_by_id[rng.choice(groups)]
        ending = [c for c in household.member_ids if c in self.on_plan and c not in self.touched]
        events = [self._emit(c, "plan-ended", day, rng) for c in ending]
        for child_id in ending:
            del self.on_plan[child_id]
            del self.plan_started[child_id]
        return events

    def enter_care(self, day: date, rng: random.Random) -> list[StatusEvent]:
        cohort = [c for h in self.world.at_risk if h.template != "infant" for c in h.member_ids]
        candidates = [c for c in cohort if c not in self.in_care and c not in self.touched]
        if not candidates:
            return []
        child_id = rng.choice(candidates)
        self.in_care.add(child_id)
        return [self._emit(child_id, "looked-after-started", day, rng)]

    def leave_care(self, day: date, rng: random.Random) -> list[StatusEvent]:
        candidates = sorted(c for c in self.in_care if c not in self.touched)
        if not candidates:
            return []
        child_id = rng.choice(candidates)
        self.in_care.discard(child_id)
        return [self._emit(child_id, "looked-after-ended", day, rng)]


def _review_due(started: date, day: date) -> bool:
    """Reviews fall 91 days after the start, then every 182; weekend dates move to Monday."""

    def scheduled(on: date) -> bool:
        elapsed = (on - started).days
        return elapsed == 91 or (elapsed > 91 and (elapsed - 91) % 182 == 0)

    if day.weekday() >= 5:
        return False
    if scheduled(day):
        return True
    return day.weekday() == 0 and any(scheduled(day - timedelta(days=k)) for k in (1, 2))
