"""School registers: a mark for every pupil, both sessions, every school day (~7% absence).

Each pupil has an absence propensity (most rarely miss school, a few persistently do); an
absence is an episode of one or more sessions with one DfE code (illness, holiday, truancy,
appointment...). Injected: runs of unauthorised N/O sessions for pupils on plans, and for
the infant scenario's siblings after the call-out. A few "N" marks are later corrected.
Registers run for a few school days before the period so runs in progress at the start
carry their consecutive-absence count into it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from synthetic import clock
from synthetic.cohort import infant_scenario_day
from synthetic.model import Child, School
from synthetic.school_calendar import is_school_day, school_days_before

if TYPE_CHECKING:
    from synthetic.world import World

AUTHORISED = frozenset({"C", "C1", "C2", "E", "H", "I", "M", "Q", "R", "S", "T", "Y"})
UNAUTHORISED = frozenset({"G", "N", "O", "U"})
ABSENCE = AUTHORISED | UNAUTHORISED
NOT_REQUIRED = frozenset({"X", "Z", "#"})
WARM_UP_DAYS = 3
SPIKE_SHARE = 0.4  # of pupils on plans
PROPENSITY_TIERS = ((0.02, 0.60), (0.06, 0.25), (0.14, 0.12), (0.35, 0.03))
EPISODES = ("I", "O", "N", "G", "M", "C", "E", "U", "R", "H")
EPISODE_WEIGHTS = (0.55, 0.12, 0.08, 0.04, 0.08, 0.05, 0.01, 0.05, 0.01, 0.01)


@dataclass(slots=True)
class Mark:
    child: Child
    school: School
    day: date
    session: str
    code: str
    consecutive: int | None
    recorded_at: datetime


class Register:
    """Marks pupils day by day, keeping each pupil's absence episode and run of absences."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        tiers = [tier for tier, _ in PROPENSITY_TIERS]
        shares = [share for _, share in PROPENSITY_TIERS]
        self.propensity = {
            child.child_id: rng.choices(tiers, shares)[0] * (2 if child.at_risk else 1) / 2
            for child in world.children
        }
        start = world.config.start_date
        self.under_five = {c.child_id for c in world.children if c.age_on(start) < 5}
        self.episodes: dict[str, list[str]] = {}
        self.runs: dict[str, int] = {}
        self.spikes: dict[date, list[tuple[str, list[str]]]] = {}
        self.spiking: set[str] = set()  # pupils given a run of N/O marks (never corrected)
        self._plan_spikes()
        for day in school_days_before(world.config.start_date, WARM_UP_DAYS):
            self.marks(day)

    def marks(self, day: date) -> list[Mark]:
        """The day's marks by school, AM then PM, corrections last; none if not a school day."""
        if not is_school_day(day):
            return []
        for child_id, codes in self.spikes.get(day, []):
            self.episodes[child_id] = codes[::-1]
        by_school: dict[str, list[Child]] = {}
        for child, school in self.world.pupils_on(day):
            by_school.setdefault(school.urn, []).append(child)
        result: list[Mark] = []
        for school in self.world.schools.schools:
            pupils = by_school.get(school.urn, [])
            corrections: list[Mark] = []
            for session, start_minutes in (("AM", 8 * 60 + 40), ("PM", 13 * 60 + 5)):
                base = clock.local(day, start_minutes + self.rng.randrange(25))
                for child in pupils:
                    mark = self._mark(child, school, day, session, base)
                    result.append(mark)
                    spiking = child.child_id in self.spiking
                    if mark.code == "N" and not spiking and self.rng.random() < 0.25:
                        corrections.append(self._correction(mark, day))
            result.extend(corrections)
        return result

    def _mark(self, child: Child, school: School, day: date, session: str, base: datetime) -> Mark:
        rng = self.rng
        child_id = child.child_id
        episode = self.episodes.get(child_id)
        if episode:
            code = episode.pop()
            if not episode:
                del self.episodes[child_id]
        elif rng.random() < self.propensity[child_id]:
            code = self._start_episode(child_id, session)
        elif child_id in self.under_five and rng.random() < 0.01:
            code = "X"
        elif session == "PM":
            code = "\\"
        else:
            roll = rng.random()
            code = "L" if roll < 0.03 else rng.choice("BVPK") if roll < 0.034 else "/"
        run = self.runs.get(child_id, 0)
        if code in ABSENCE:
            run += 1
        elif code not in NOT_REQUIRED:
            run = 0
        self.runs[child_id] = run
        late = 40 if code in ("U", "L") else 0
        recorded = base + timedelta(seconds=rng.randrange((15 + late) * 60))
        consecutive = run if school.computes_consecutive else None
        return Mark(child, school, day, session, code, consecutive, recorded)

    def _start_episode(self, child_id: str, session: str) -> str:
        rng = self.rng
        kind = rng.choices(EPISODES, EPISODE_WEIGHTS)[0]
        if kind == "U" and session == "PM":
            kind = "O"
        days = {"I": 1 + int(rng.random() < 0.4) + int(rng.random() < 0.15), "G": rng.randint(3, 5)}
        days.update({"E": rng.randint(1, 3), "H": rng.randint(2, 5)})
        sessions = (
            1
            if kind in ("M", "U")
            else rng.choice((1, 2))
            if kind == "O"
            else 2 * days.get(kind, 1)
        )
        if sessions > 1:
            self.episodes[child_id] = [kind] * (sessions - 1)
        return kind

    def _correction(self, mark: Mark, day: date) -> Mark:
        code = self.rng.choices(("I", "C", "O"), (0.5, 0.2, 0.3))[0]
        recorded = clock.local(day, self.rng.uniform(15 * 60, 17 * 60 + 30)).replace(microsecond=0)
        return Mark(
            mark.child, mark.school, mark.day, mark.session, code, mark.consecutive, recorded
        )

    def _plan_spikes(self) -> None:
        """Runs of unauthorised absence for some pupils on plans and the infant's siblings."""
        config = self.world.config
        period_days = [day for day in config.dates if is_school_day(day)]
        if not period_days:
            return
        starts = school_days_before(config.start_date, 1) + period_days
        on_plan = [c for c in self.world.children if c.on_plan and c.school_urn]
        chosen = [c for c in on_plan if self.rng.random() < SPIKE_SHARE]
        if on_plan and not chosen:
            chosen = [self.rng.choice(on_plan)]
        for child in chosen:
            self._add_spike(child, self.rng.choice(starts), self.rng.randint(4, 10))
        infant_day = infant_scenario_day(config)
        after = [day for day in period_days if day > infant_day]
        for child in self.world.children:
            if "infant-multi-agency" in child.scenarios and after:
                for sibling_id in child.sibling_ids:
                    sibling = self.world.by_id[sibling_id]
                    if sibling.school_urn:
                        self._add_spike(sibling, after[0], self.rng.randint(2, 4))

    def _add_spike(self, child: Child, first_day: date, sessions: int) -> None:
        codes = ["N"] * min(2, sessions) + ["O"] * max(0, sessions - 2)
        self.spikes.setdefault(first_day, []).append((child.child_id, codes))
        self.spiking.add(child.child_id)
        child.scenarios.append("absence-spike")
