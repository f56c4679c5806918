"""CP plans and looked-after status in force at the start of the period (about 0.4% / 0.7%).

Plans are decided for sibling groups, so whole households go on plans together. At least one
child is both looked after and on a plan ("dual plans", requirement C4). The infant scenario
household is never on a plan (requirement C5: most serious cases were babies not on plans).
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from synthetic.model import Child, Household

PLAN_SHARE = 50_000 / 12_000_000
LOOKED_AFTER_SHARE = 84_000 / 12_000_000
PLAN_CATEGORIES: tuple[tuple[str, float], ...] = (
    ("neglect", 0.50),
    ("emotional", 0.37),
    ("physical", 0.07),
    ("sexual", 0.03),
    ("multiple", 0.03),
)


def plan_category(rng: random.Random) -> str:
    """A category with England's mix (neglect and emotional abuse dominate)."""
    return rng.choices([c for c, _ in PLAN_CATEGORIES], [w for _, w in PLAN_CATEGORIES])[0]


def assign_statuses(
    households: list[Household], by_id: dict[str, Child], start: date, rng: random.Random
) -> None:
    """Put sibling groups on plans and single children in care, as at ``start``."""
    eligible = [household for household in households if household.template != "infant"]
    if not eligible:
        return
    target_plans = max(1, round(len(by_id) * PLAN_SHARE))
    on_plan: list[Child] = []
    for household in rng.sample(eligible, len(eligible)):
        if len(on_plan) >= target_plans:
            break
        category = plan_category(rng)
        for child_id in household.member_ids:
            child = by_id[child_id]
            child.on_plan = True
            child.plan_category = category
            child.plan_started = _started(child, start, 600, rng)
            on_plan.append(child)
    target_looked_after = max(1, round(len(by_id) * LOOKED_AFTER_SHARE))
    candidates = [by_id[c] for household in eligible for c in household.member_ids]
    sampled = rng.sample(candidates, min(len(candidates), target_looked_after))
    chosen = [rng.choice(on_plan), *sampled]
    for child in chosen[:target_looked_after]:
        child.looked_after = True
        child.looked_after_started = _started(child, start, 1500, rng)


def _started(child: Child, start: date, most_days_ago: int, rng: random.Random) -> date:
    """A date before ``start`` but not before the child was born."""
    earliest = max(child.dob, start - timedelta(days=most_days_ago))
    span = (start - earliest).days
    return earliest + timedelta(days=rng.randrange(span)) if span > 0 else earliest
