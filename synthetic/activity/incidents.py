"""Police-attended domestic abuse at homes with children.

Nationally a few thousand incidents a day, about a third at households with children; the
at-risk cohort's households see far more, and every period has at least one incident at a
home with a school-age child, plus the infant scenario's overnight call-out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from synthetic import clock
from synthetic.cohort import infant_scenario_day
from synthetic.model import Household
from synthetic.names import CHILD_VOICE
from synthetic.rng import poisson, weighted

if TYPE_CHECKING:
    from synthetic.world import World

INCIDENTS_WITH_CHILDREN_PER_CHILD_DAY = (4_000 / 3) / 12_000_000
AT_RISK_PER_HOUSEHOLD_DAY = 0.015
VISITING_CHILD_SHARE = 0.04
RISK_LEVELS: tuple[tuple[str, float], ...] = (("standard", 0.65), ("medium", 0.27), ("high", 0.08))
AT_RISK_LEVELS: tuple[tuple[str, float], ...] = (
    ("standard", 0.3),
    ("medium", 0.45),
    ("high", 0.25),
)
RELATIONS: tuple[tuple[str, float], ...] = (
    ("parent-partner", 0.30),
    ("parent", 0.25),
    ("ex-partner", 0.25),
    ("step-parent", 0.08),
    ("other-family", 0.07),
    ("sibling", 0.03),
    ("other", 0.02),
)
# Calls by local hour of recording: mostly evenings and nights.
HOUR_WEIGHTS = (8, 7, 5, 3, 2, 1, 1, 1, 2, 2, 3, 3, 3, 3, 3, 4, 4, 5, 6, 8, 9, 10, 10, 9)


@dataclass(slots=True)
class IncidentChild:
    child_id: str
    present: bool
    resident: bool
    voice: str | None


@dataclass(slots=True)
class Incident:
    household_id: str
    incident_time: datetime
    recorded_time: datetime
    risk_level: str
    perpetrator_relation: str
    children: list[IncidentChild]
    reason: str


def plan_incidents(world: World, rng: random.Random) -> list[Incident]:
    """Every notification in the period, in order of recording."""
    config = world.config
    households = world.households
    incidents: list[Incident] = []
    school_age = [
        h
        for h in world.at_risk
        if h.template != "infant" and _has_school_age(world, h, config.start_date)
    ]
    for day in config.dates:
        for _ in range(poisson(rng, len(world.children) * INCIDENTS_WITH_CHILDREN_PER_CHILD_DAY)):
            incidents.append(_incident(world, rng.choice(households), day, rng, "baseline"))
        for _ in range(poisson(rng, len(world.at_risk) * AT_RISK_PER_HOUSEHOLD_DAY)):
            incidents.append(_incident(world, rng.choice(world.at_risk), day, rng, "at-risk"))
    if school_age:
        incident = _incident(
            world, rng.choice(school_age), rng.choice(config.dates), rng, "school-age"
        )
        incident.risk_level = weighted(rng, (("medium", 0.6), ("high", 0.4)))
        incidents.append(incident)
    incidents.extend(_infant_incident(world, rng))
    incidents.sort(key=lambda incident: (incident.recorded_time, incident.household_id))
    return incidents


def _has_school_age(world: World, household: Household, day: date) -> bool:
    return any(4 <= world.by_id[c].age_on(day) <= 16 for c in household.member_ids)


def _incident(
    world: World,
    household: Household,
    day: date,
    rng: random.Random,
    reason: str,
    hours: tuple[int, int] = (0, 23),
) -> Incident:
    choices = list(range(hours[0], hours[1] + 1))
    hour = rng.choices(choices, [HOUR_WEIGHTS[h] for h in choices])[0]
    recorded = clock.local(day, min(hour * 60 + rng.randrange(60), 23 * 60 + 55))
    incident_time = recorded - timedelta(minutes=rng.uniform(15, 300))
    levels = AT_RISK_LEVELS if reason != "baseline" else RISK_LEVELS
    children = [
        _child(world, child_id, day, rng, resident=True) for child_id in household.member_ids
    ]
    if rng.random() < VISITING_CHILD_SHARE:
        visitor = rng.choice(world.children)
        if visitor.household_id != household.household_id:
            children.append(_child(world, visitor.child_id, day, rng, resident=False))
    return Incident(
        household_id=household.household_id,
        incident_time=incident_time.replace(second=0, microsecond=0),
        recorded_time=recorded,
        risk_level=weighted(rng, levels),
        perpetrator_relation=_relation(world, household, day, rng),
        children=children,
        reason=reason,
    )


def _relation(world: World, household: Household, day: date, rng: random.Random) -> str:
    """Who the suspect is to the children; a sibling only where there is a teenager."""
    relation = weighted(rng, RELATIONS)
    while relation == "sibling" and all(
        world.by_id[c].age_on(day) < 13 for c in household.member_ids
    ):
        relation = weighted(rng, RELATIONS)
    return relation


def _child(
    world: World, child_id: str, day: date, rng: random.Random, resident: bool
) -> IncidentChild:
    age = world.by_id[child_id].age_on(day)
    present = True if not resident else rng.random() < (0.95 if age < 2 else 0.65)
    voice = rng.choice(CHILD_VOICE) if present and age >= 5 and rng.random() < 0.35 else None
    return IncidentChild(child_id, present, resident, voice)


def _infant_incident(world: World, rng: random.Random) -> list[Incident]:
    """An overnight call-out at the infant scenario's home, hours before the A&E attendance."""
    for household in world.households:
        if household.template == "infant":
            day = infant_scenario_day(world.config)
            incident = _incident(world, household, day, rng, "infant", hours=(1, 5))
            incident.risk_level = "medium"
            incident.perpetrator_relation = "parent-partner"
            return [incident]
    return []
