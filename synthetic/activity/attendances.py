"""A&E attendances: the national rate for every child, a much higher one for the at-risk cohort.

Nationally about 17,000 children attend a day per 12 million; babies and toddlers most. An
at-risk child attends at about 20 times that rate, and often again within three days at a
different site (or a sibling does). Injected patterns are added on top (injected_visits).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from synthetic.activity.injected_visits import injected_visits
from synthetic.activity.visits import Visit, choose_site, concerning_visit, ordinary_visit
from synthetic.model import Child
from synthetic.rng import poisson
from synthetic.sites import SITES, other_sites

if TYPE_CHECKING:
    from synthetic.world import World

AE_PER_CHILD_DAY = 17_000 / 12_000_000
AT_RISK_PER_CHILD_DAY = 0.03
REPEAT_CHANCE = 0.4
SIBLING_INSTEAD = 0.2
FOLLOW_UP_WINDOW = timedelta(days=7)
# Relative attendance rate by age in years, 0 to 17.
AGE_WEIGHTS = (
    2.2, 1.6, 1.6, 1.6, 1.6, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 0.8, 0.8, 0.8, 0.8, 1.1, 1.1, 1.1,
)  # fmt: skip


def plan_visits(world: World, rng: random.Random) -> list[Visit]:
    """Every attendance in the period, in arrival order, with visit numbers and categories."""
    config = world.config
    children = world.children
    weights = [AGE_WEIGHTS[min(child.age_on(config.start_date), 17)] for child in children]
    cohort = [world.by_id[c] for household in world.at_risk for c in household.member_ids]
    visits: list[Visit] = []
    for day in config.dates:
        count = poisson(rng, len(children) * AE_PER_CHILD_DAY)
        for child in rng.choices(children, weights, k=count):
            site = choose_site(world, child, rng)
            visits.append(ordinary_visit(world, child, site, day, rng, "baseline"))
        for _ in range(poisson(rng, len(cohort) * AT_RISK_PER_CHILD_DAY)):
            visits.extend(_at_risk_visits(world, rng.choice(cohort), day, rng))
    visits.extend(injected_visits(world, cohort, rng))
    visits.sort(key=lambda visit: (visit.arrival, visit.site.code, visit.child_id))
    _number_and_categorise(visits, rng)
    return visits


def _at_risk_visits(world: World, child: Child, day: date, rng: random.Random) -> list[Visit]:
    """A concerning visit, and perhaps another at a different site within three days."""
    visit = concerning_visit(world, child, choose_site(world, child, rng), day, rng, "at-risk")
    result = [visit]
    if rng.random() < REPEAT_CHANCE:
        who = child
        siblings = [c for c in world.household_of(child).member_ids if c != child.child_id]
        if siblings and rng.random() < SIBLING_INSTEAD:
            who = world.by_id[rng.choice(siblings)]
        arrival = visit.arrival + timedelta(hours=rng.uniform(6, 72))
        if arrival + timedelta(hours=1) < world.config.period_end:
            site = rng.choice(other_sites(visit.site.code))
            result.append(
                concerning_visit(world, who, site, day, rng, "repeat-other-site", arrival)
            )
    return result


def _number_and_categorise(visits: list[Visit], rng: random.Random) -> None:
    """Visit numbers in arrival order per site; follow-up if this site saw the child lately."""
    counters = {site.code: rng.randrange(100_000, 900_000) for site in SITES}
    last_seen: dict[tuple[str, str], datetime] = {}
    for visit in visits:
        counters[visit.site.code] += 1
        visit.visit_number = f"{visit.site.code[-3:]}{counters[visit.site.code]:07d}"
        key = (visit.site.code, visit.child_id)
        previous = last_seen.get(key)
        if previous is not None and visit.arrival - previous < FOLLOW_UP_WINDOW:
            visit.category = "unplanned-follow-up"
        elif visit.reason == "baseline" and rng.random() < 0.03:
            visit.category = "planned-follow-up"
        last_seen[key] = visit.arrival
