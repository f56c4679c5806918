"""One A&E visit and how it is drawn: the site, the arrival time, the flags, the discharge."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from synthetic import clock
from synthetic.model import Child, Site
from synthetic.rng import weighted
from synthetic.sites import local_ed, other_sites

if TYPE_CHECKING:
    from synthetic.world import World

# Arrivals by local hour: quiet overnight, busiest in the early evening.
HOUR_WEIGHTS = (
    3, 2, 1.5, 1, 1, 1, 2, 4, 7, 10, 11, 11, 11, 11, 11, 11, 12, 13, 14, 13, 11, 9, 7, 5,
)  # fmt: skip
DISPOSITIONS: tuple[tuple[str, float], ...] = (
    ("home", 0.78),
    ("admitted", 0.12),
    ("transferred", 0.02),
    ("left-before-treatment", 0.05),
    ("self-discharge", 0.03),
)
CONCERN_DISPOSITIONS: tuple[tuple[str, float], ...] = (
    ("referred-to-social-care", 0.4),
    ("admitted", 0.2),
    ("home", 0.3),
    ("self-discharge", 0.1),
)


@dataclass(slots=True)
class Visit:
    """One attendance: arrival (A04) and, unless still in the department, discharge (A03)."""

    child_id: str
    site: Site
    arrival: datetime
    discharge: datetime | None
    injury: bool
    concern_at_arrival: bool
    concern: bool
    nai: bool
    refused: bool
    disposition: str
    reason: str
    category: str = "first"
    visit_number: str = ""


def choose_site(world: World, child: Child, rng: random.Random) -> Site:
    """Usually the ED serving the child's town; sometimes another ED, the MIU or the WIC."""
    home = local_ed(world.household_of(child).town.index)
    return home if rng.random() < 0.75 else rng.choice(other_sites(home.code))


def arrival_on(
    day: date, rng: random.Random, earliest_hour: int = 0, latest_hour: int = 23
) -> datetime:
    """An arrival time on ``day`` following the hourly pattern, no later than 23:50."""
    hours = list(range(earliest_hour, latest_hour + 1))
    hour = rng.choices(hours, [HOUR_WEIGHTS[h] for h in hours])[0]
    return clock.local(day, min(hour * 60 + rng.randrange(60), 23 * 60 + 50))


def ordinary_visit(
    world: World,
    child: Child,
    site: Site,
    day: date,
    rng: random.Random,
    reason: str,
    arrival: datetime | None = None,
) -> Visit:
    """An attendance with the flags and outcomes of the general child population."""
    concern = rng.random() < 0.01
    visit = Visit(
        child_id=child.child_id,
        site=site,
        arrival=arrival or arrival_on(day, rng),
        discharge=None,
        injury=rng.random() < 0.55,
        concern_at_arrival=concern and rng.random() < 0.3,
        concern=concern,
        nai=concern and rng.random() < 0.1,
        refused=rng.random() < 0.002,
        disposition=weighted(rng, CONCERN_DISPOSITIONS if concern else DISPOSITIONS),
        reason=reason,
    )
    set_discharge(world, visit, rng)
    return visit


def concerning_visit(
    world: World,
    child: Child,
    site: Site,
    day: date,
    rng: random.Random,
    reason: str,
    arrival: datetime | None = None,
) -> Visit:
    """An at-risk child's attendance: mostly injuries, often a concern, sometimes suspected NAI."""
    visit = ordinary_visit(world, child, site, day, rng, reason, arrival)
    visit.injury = rng.random() < 0.8
    visit.refused = rng.random() < 0.08
    visit.concern = rng.random() < 0.3 or visit.refused
    visit.concern_at_arrival = visit.concern and rng.random() < 0.3
    visit.nai = visit.concern and visit.injury and rng.random() < 0.35
    visit.disposition = weighted(rng, CONCERN_DISPOSITIONS if visit.concern else DISPOSITIONS)
    set_discharge(world, visit, rng)
    return visit


def set_discharge(world: World, visit: Visit, rng: random.Random) -> None:
    """Set the discharge time, or leave it empty if the child is still in the department."""
    if visit.disposition == "left-before-treatment":
        minutes = rng.uniform(20, 120)
    else:
        minutes = min(60 + rng.expovariate(1 / 130), 11 * 60)
    discharge = visit.arrival + timedelta(minutes=minutes)
    in_period = discharge + timedelta(minutes=15) < world.config.period_end
    visit.discharge = discharge if in_period else None
