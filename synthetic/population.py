"""Children in households: siblings, twins, half-siblings, infants, children with no NHS number.

The first households are fixed templates so every population, however small, has an infant
with a school-age sibling and a pair of twins; the rest are drawn at random.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from synthetic.hard_cases import (
    is_multiple_birth_household,
    mark_multiple_birth,
    multiple_birth_names,
)
from synthetic.identifiers import new_nhs_number
from synthetic.model import Child, GpPractice, Household
from synthetic.names import BOYS, GIRLS, SURNAMES
from synthetic.places import TOWN_WEIGHTS, TOWNS, AddressBook, gp_practices

# Households with dependent children, by number of children (1, 2, 3, 4).
HOUSEHOLD_SIZES = (1, 2, 3, 4)
HOUSEHOLD_SIZE_WEIGHTS = (0.44, 0.38, 0.13, 0.05)
TWIN_SHARE = 0.02  # of households with two or more children
NO_NHS_NUMBER_SHARE = 0.03
SAME_SURNAME_SHARE = 0.85
HYPHENATED_SHARE = 0.05
MIN_SIBLING_GAP_DAYS = 330
MAX_AGE_DAYS = 18 * 365 - 1


@dataclass(slots=True)
class Population:
    households: list[Household]
    children: list[Child]
    addresses: AddressBook
    practices: dict[int, list[GpPractice]]


def build_population(
    count: int,
    start: date,
    rng: random.Random,
    hard_cases: float = 0.0,
    hard_rng: random.Random | None = None,
) -> Population:
    """``count`` children aged 0-17 on ``start``, grouped into households.

    With ``hard_cases`` above zero, some households are near-name twins or triplets
    (``synthetic.hard_cases``), decided by ``hard_rng``.
    """
    builder = _Builder(start, rng)
    if count >= 2:
        builder.household([rng.randint(60, 300), rng.randint(6 * 365, 9 * 365)], "infant")
    else:
        builder.household([rng.randint(60, 300)], "infant")
    if count >= 4:
        age = rng.randint(5 * 365, 12 * 365)
        builder.household([age, age], "twins")
    while len(builder.children) < count:
        if hard_rng is not None and is_multiple_birth_household(hard_rng, hard_cases):
            size = min(hard_rng.choice((2, 2, 2, 3)), count - len(builder.children))
            if size >= 2:
                names = multiple_birth_names(hard_rng, size)
                age = rng.randint(0, MAX_AGE_DAYS)
                members = builder.household([age] * size, "near-names", names)
                mark_multiple_birth(members, hard_rng)
                continue
        size = min(
            rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)[0], count - len(builder.children)
        )
        ages = _spaced_ages(rng, size)
        if size >= 2 and rng.random() < TWIN_SHARE:
            ages[1] = ages[0]
        builder.household(ages, "twins" if size >= 2 and ages[0] == ages[1] else "")
    builder.children = builder.children[:count]
    _ensure_some_without_nhs_number(builder.children, rng)
    return Population(builder.households, builder.children, builder.addresses, builder.practices)


def _spaced_ages(rng: random.Random, size: int) -> list[int]:
    """Ages in days, oldest first, at least ``MIN_SIBLING_GAP_DAYS`` apart."""
    span = MAX_AGE_DAYS - (size - 1) * MIN_SIBLING_GAP_DAYS
    draws = sorted(rng.randint(0, span) for _ in range(size))
    return sorted((draw + i * MIN_SIBLING_GAP_DAYS for i, draw in enumerate(draws)), reverse=True)


def _ensure_some_without_nhs_number(children: list[Child], rng: random.Random) -> None:
    if len(children) >= 10 and all(child.nhs_number for child in children):
        rng.choice(children[2:]).nhs_number = None


class _Builder:
    def __init__(self, start: date, rng: random.Random) -> None:
        self.start = start
        self.rng = rng
        self.addresses = AddressBook(rng)
        self.practices = gp_practices(rng)
        self.households: list[Household] = []
        self.children: list[Child] = []
        self._nhs_numbers: set[str] = set()

    def household(
        self,
        ages_in_days: list[int],
        template: str,
        names: tuple[tuple[str, str], ...] = (),
    ) -> list[Child]:
        rng = self.rng
        town = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
        household = Household(
            household_id=f"H{len(self.households) + 1:06d}",
            town=town,
            address=self.addresses.new_address(town),
            gp_practice=rng.choice(self.practices[town.index]),
            template=template,
        )
        surname = rng.choice(SURNAMES)
        used_names: set[str] = set()
        members: list[Child] = []
        for position, age_days in enumerate(ages_in_days):
            twin = template in ("twins", "near-names") and position == 1
            name = names[position] if position < len(names) else None
            child = self._child(household, age_days, surname, used_names, twin, template, name)
            if template == "near-names" and position > 1:
                child.family_name = members[0].family_name
            if twin:
                child.family_name = members[0].family_name
                child.twin_of = members[0].child_id
                members[0].twin_of = child.child_id
            members.append(child)
        for child in members:
            child.sibling_ids = [other.child_id for other in members if other is not child]
        household.member_ids = [child.child_id for child in members]
        self.households.append(household)
        self.children.extend(members)
        return members

    def _child(
        self,
        household: Household,
        age_days: int,
        surname: str,
        used_names: set[str],
        twin: bool,
        template: str,
        name: tuple[str, str] | None = None,
    ) -> Child:
        rng = self.rng
        if name is not None:
            given, sex = name
        else:
            sex = "M" if rng.random() < 0.51 else "F"
            names = BOYS if sex == "M" else GIRLS
            given = rng.choice(names)
            while given in used_names:
                given = rng.choice(names)
        used_names.add(given)
        index = len(self.children) + len(household.member_ids)
        child = Child(
            child_id=f"C{index + 1:06d}",
            index=index,
            given_name=given,
            family_name=self._family_name(surname, twin),
            sex=sex,
            dob=self.start - timedelta(days=age_days),
            household_id=household.household_id,
        )
        if template or rng.random() >= NO_NHS_NUMBER_SHARE:
            child.nhs_number = new_nhs_number(rng, self._nhs_numbers)
        household.member_ids.append(child.child_id)
        return child

    def _family_name(self, surname: str, twin: bool) -> str:
        roll = self.rng.random()
        if twin or roll < SAME_SURNAME_SHARE:
            return surname
        other = self.rng.choice(SURNAMES)
        if roll < 1 - HYPHENATED_SHARE:
            return other
        return f"{surname}-{other}"
