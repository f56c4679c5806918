"""The lookup benchmark's population: households of children, some on plans, some not known.

About one household in seven has child protection plans for all its children (some
current, some ended in the last year, some both, a few looked after), and a third of
those had a police domestic abuse notification at home in the last three weeks. The
children are households of one to three from the population builder
(``synthetic.population.FAMILIES``); plans and unknown numbers are drawn from the seed
after them. The same count and seed give the same households, plans and unknown numbers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from synthetic.identifiers import new_nhs_number
from synthetic.population import FAMILIES, Person, bench_population

SITES = (
    ("RXX01", "Leeds General Infirmary ED", "EMERGENCY_DEPARTMENT"),
    ("RYY02", "Wharfe Valley Minor Injury Unit", "MINOR_INJURY_UNIT"),
    ("RZZ03", "St James's University Hospital ED", "EMERGENCY_DEPARTMENT"),
    ("RWW04", "City Walk-in Centre", "WALK_IN_CENTRE"),
)
SITE_WEIGHTS = (50, 20, 20, 10)
AUTHORITIES = (("383", "Leeds"), ("384", "Bradford"))
CATEGORIES = ("NEGLECT", "EMOTIONAL", "PHYSICAL", "MULTIPLE", "SEXUAL")
PLAN_HOUSEHOLD_SHARE = 0.15
POLICE_SHARE_OF_PLAN_HOUSEHOLDS = 0.3
UNKNOWN_NUMBERS = 2000
# Names the population builder and shape; a kept store of another population is not reused.
POPULATION = f"synthetic.population/{FAMILIES.name}"


def organisations_csv() -> str:
    """The organisation directory the lookup server reads: the sites, authorities and a GP."""
    rows = ["code,type,name"]
    rows += [f"{code},unscheduled-care,{name}" for code, name, _ in SITES]
    rows += [f"{code},local-authority,{name}" for code, name in AUTHORITIES]
    rows.append("B86001,gp-practice,Park Lane Surgery")
    return "\n".join(rows) + "\n"


@dataclass(frozen=True)
class BenchHousehold:
    """Children living together; ``plan`` is None, "current", "ended" or "ended-then-current"."""

    uprn: str
    children: tuple[Person, ...]
    plan: str | None
    looked_after: bool
    police: bool

    @property
    def on_plan(self) -> bool:
        return self.plan in ("current", "ended-then-current")


@dataclass(frozen=True)
class Population:
    households: tuple[BenchHousehold, ...]
    unknown: tuple[str, ...]  # valid NHS numbers that no loaded child has

    @property
    def size(self) -> int:
        return sum(len(h.children) for h in self.households)

    def numbers(self) -> tuple[list[str], list[str]]:
        """NHS numbers of the children on a plan, and of the others."""
        on_plan: list[str] = []
        others: list[str] = []
        for household in self.households:
            (on_plan if household.on_plan else others).extend(
                c.nhs_number for c in household.children
            )
        return on_plan, others


def build_population(children: int, seed: int = 1) -> Population:
    """The same ``children`` and ``seed`` always give the same people and households."""
    rng = random.Random(seed)
    families = bench_population(children, seed, FAMILIES).families()
    used = {child.nhs_number for members in families for child in members}
    made: list[BenchHousehold] = []
    for members in families:
        plan: str | None = None
        if rng.random() < PLAN_HOUSEHOLD_SHARE:
            plan = rng.choices(("current", "ended", "ended-then-current"), (70, 20, 10))[0]
        looked_after = plan is not None and plan != "ended" and rng.random() < 0.1
        police_notified = plan is not None and rng.random() < POLICE_SHARE_OF_PLAN_HOUSEHOLDS
        made.append(BenchHousehold(members[0].uprn, members, plan, looked_after, police_notified))
    unknown = tuple(new_nhs_number(rng, used) for _ in range(UNKNOWN_NUMBERS))
    return Population(tuple(made), unknown)
