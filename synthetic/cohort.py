"""The at-risk cohort (~2% of children): households where injected safeguarding patterns happen.

It holds every household with a child on a plan, the infant scenario household, and more
households, preferring those with young or school-age children.
"""

from __future__ import annotations

import random
from datetime import date

from synthetic.config import GeneratorConfig
from synthetic.model import Child, Household
from synthetic.rng import stream

AT_RISK_SHARE = 0.02


def select_at_risk(
    households: list[Household], by_id: dict[str, Child], rng: random.Random
) -> list[Household]:
    """Mark the at-risk households' children and return those households."""
    chosen: list[Household] = [
        household
        for household in households
        if household.template == "infant"
        or any(by_id[child_id].on_plan for child_id in household.member_ids)
    ]
    target = max(1, round(len(by_id) * AT_RISK_SHARE))
    chosen_ids = {household.household_id for household in chosen}
    others = [household for household in households if household.household_id not in chosen_ids]
    rng.shuffle(others)
    others.sort(key=lambda household: -_appeal(household, by_id))
    for household in others:
        if sum(len(h.member_ids) for h in chosen) >= target:
            break
        chosen.append(household)
    chosen.sort(key=lambda household: household.household_id)
    for household in chosen:
        for child_id in household.member_ids:
            by_id[child_id].at_risk = True
    for household in households:
        if household.template == "infant":
            infant = min((by_id[c] for c in household.member_ids), key=lambda c: -c.dob.toordinal())
            infant.scenarios.append("infant-multi-agency")
    return chosen


def _appeal(household: Household, by_id: dict[str, Child]) -> int:
    """Households with a baby or toddler and a school-age child come first."""
    dobs = sorted(by_id[child_id].dob for child_id in household.member_ids)
    spread = (dobs[-1] - dobs[0]).days
    return int(spread > 4 * 365) + int(len(dobs) > 1)


def infant_scenario_day(config: GeneratorConfig) -> date:
    """The day the infant scenario's police call-out and injury attendance happen."""
    rng = stream(config.seed, "infant-day")
    return config.dates[rng.randrange(min(2, config.days - 1), config.days)]
