"""A&E patterns every period shows, whatever the population size (on random days in it).

The same young child at a second, different site hours after the first; suspected
non-accidental injury referred to social care; a fuller examination refused and the child
taken home; discharge home with the concern raised at arrival still open; and the infant
scenario (an injury with a concern, sent home, and an earlier minor-injury visit).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from synthetic.activity.visits import Visit, arrival_on, choose_site, ordinary_visit
from synthetic.cohort import infant_scenario_day
from synthetic.model import Child, Site
from synthetic.sites import SITES, local_ed, other_sites

if TYPE_CHECKING:
    from datetime import date

    from synthetic.world import World


def injected_visits(world: World, cohort: list[Child], rng: random.Random) -> list[Visit]:
    """The injected visits; the infant scenario household is kept out of the other patterns."""
    config = world.config
    cohort = [child for child in cohort if world.household_of(child).template != "infant"]
    result: list[Visit] = []
    if cohort:
        # Preferably a young child who is on a plan (the case CP-IS exists for, A1/A4).
        young = [child for child in cohort if child.age_on(config.start_date) < 5]
        young = [child for child in young if child.on_plan] or young or cohort
        child = rng.choice(young)
        day = rng.choice(config.dates)
        first = _forced(
            world, child, choose_site(world, child, rng), day, rng, "repeat-first", 7, 10
        )
        first.disposition = "home"
        arrival = first.arrival + timedelta(hours=rng.uniform(5, 8))
        site = rng.choice(other_sites(first.site.code))
        second = _forced(world, child, site, day, rng, "repeat-other-site", arrival=arrival)
        second.concern = True
        result += [first, second]
        for reason, disposition in (
            ("nai", "referred-to-social-care"),
            ("refused", "self-discharge"),
        ):
            child = rng.choice(cohort)
            site = choose_site(world, child, rng)
            visit = _forced(world, child, site, rng.choice(config.dates), rng, reason)
            visit.concern, visit.nai, visit.refused = True, reason == "nai", reason == "refused"
            visit.disposition = disposition
            result.append(visit)
        child = rng.choice(cohort)
        site = choose_site(world, child, rng)
        visit = _forced(world, child, site, rng.choice(config.dates), rng, "open-concern")
        visit.concern = visit.concern_at_arrival = True
        visit.disposition = "home"
        result.append(visit)
    result.extend(_infant_visits(world, rng))
    return result


def _forced(
    world: World,
    child: Child,
    site: Site,
    day: date,
    rng: random.Random,
    reason: str,
    earliest_hour: int = 7,
    latest_hour: int = 15,
    arrival: datetime | None = None,
) -> Visit:
    """An injury visit, arriving in the day and discharged within hours, inside the period."""
    arrival = arrival or arrival_on(day, rng, earliest_hour, latest_hour)
    visit = ordinary_visit(world, child, site, day, rng, reason, arrival)
    visit.injury = True
    visit.discharge = visit.arrival + timedelta(minutes=rng.uniform(90, 240))
    return visit


def _infant_visits(world: World, rng: random.Random) -> list[Visit]:
    """The infant not on a plan: an injury, concern raised, sent home (and earlier, a minor one)."""
    infants = [child for child in world.children if "infant-multi-agency" in child.scenarios]
    if not infants:
        return []
    infant = infants[0]
    day = infant_scenario_day(world.config)
    site = local_ed(world.household_of(infant).town.index)
    visit = _forced(world, infant, site, day, rng, "infant", 12, 16)
    visit.concern = True
    visit.disposition = "home"
    result = [visit]
    earlier = day - timedelta(days=2)
    if earlier >= world.config.start_date:
        minor = [site for site in SITES if site.site_type != "ED"]
        result.append(_forced(world, infant, rng.choice(minor), earlier, rng, "infant-earlier"))
    return result
