"""The one population builder: children in households, for the generator and every benchmark.

A :class:`HouseholdShape` says how many children a household has, how old they are, how
often two are twins and how many children have no NHS number. Three presets:

- ``ENGLAND``, what ``hub generate`` writes (and so the identity benchmark, which builds
  the generator's world): one to four children a household in the proportions of
  households with dependent children, ages 0-17 spaced at least 330 days apart unless
  twins, 3% of children without an NHS number, and first two fixed households (an infant
  with a school-age sibling, a pair of twins) so every population, however small, has them.
- ``FAMILIES``, the lookup benchmark's: one to three children a household, everyone with
  an NHS number, so an answer often names siblings.
- ``ALONE``, the ingest, alerts and MLLP benchmarks': one school-age child a household,
  everyone with an NHS number, so no rule about infants or siblings fires.

Every shape is built by the same code from one random stream, households in turn, so the
same count, start date, seed and shape always give the same children; for ``ENGLAND`` the
draws are the ones the generator has always made, so its files stay byte-identical. Every
household gets a home in one of the invented towns (``synthetic.places``) and a GP
practice. Benchmarks take their children as :class:`Person` rows through
:func:`bench_population`, aged on a fixed day so a seed gives the same people on any day.
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
from synthetic.rng import stream

SAME_SURNAME_SHARE = 0.85
HYPHENATED_SHARE = 0.05
MIN_SIBLING_GAP_DAYS = 330
MAX_AGE_DAYS = 18 * 365 - 1
# The day the benchmarks' children are aged on: fixed, so a seed gives the same people on
# any day the benchmark runs.
BENCH_DATE = date(2026, 1, 1)


@dataclass(frozen=True)
class HouseholdShape:
    """What the households of a population look like; ages are in days on the start date."""

    name: str
    sizes: tuple[int, ...]  # children a household may have ...
    size_weights: tuple[float, ...]  # ... and how often each size is drawn
    youngest_days: int = 0
    oldest_days: int = MAX_AGE_DAYS
    twin_share: float = 0.0  # of households with two or more children
    without_nhs_number_share: float = 0.0
    fixed_households: bool = False  # first an infant with a school-age sibling, then twins

    def __post_init__(self) -> None:
        if not self.sizes or len(self.sizes) != len(self.size_weights) or min(self.sizes) < 1:
            raise ValueError("a shape needs household sizes of at least 1, each with a weight")
        room = self.oldest_days - self.youngest_days
        if room < (max(self.sizes) - 1) * MIN_SIBLING_GAP_DAYS:
            raise ValueError("the age range is too narrow to space the largest household's ages")


ENGLAND = HouseholdShape(
    "england",
    sizes=(1, 2, 3, 4),
    size_weights=(0.44, 0.38, 0.13, 0.05),  # households with dependent children, by number
    twin_share=0.02,
    without_nhs_number_share=0.03,
    fixed_households=True,
)
FAMILIES = HouseholdShape("families", sizes=(1, 2, 3), size_weights=(0.60, 0.25, 0.15))
ALONE = HouseholdShape(
    "alone", sizes=(1,), size_weights=(1.0,), youngest_days=6 * 365, oldest_days=16 * 365
)


@dataclass(frozen=True)
class Person:
    """A child as the benchmarks' events name them: ``serial`` numbers them from 0."""

    serial: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    uprn: str  # the household's home


@dataclass(slots=True)
class Population:
    households: list[Household]
    children: list[Child]
    addresses: AddressBook
    practices: dict[int, list[GpPractice]]

    def families(self) -> list[tuple[Person, ...]]:
        """Each household's children as people, households in turn (each needs an NHS number)."""
        by_id = {child.child_id: child for child in self.children}
        return [
            tuple(
                _person(by_id[member], household)
                for member in household.member_ids
                if member in by_id  # a household cut short at the count
            )
            for household in self.households
        ]

    def people(self) -> list[Person]:
        """Every child as a person, in order (each needs an NHS number)."""
        return [person for family in self.families() for person in family]


def build_population(
    count: int,
    start: date,
    rng: random.Random,
    hard_cases: float = 0.0,
    hard_rng: random.Random | None = None,
    *,
    shape: HouseholdShape = ENGLAND,
) -> Population:
    """``count`` children of households of ``shape``, aged on ``start``.

    With ``hard_cases`` above zero, some households are near-name twins or triplets
    (``synthetic.hard_cases``), decided by ``hard_rng``.
    """
    builder = _Builder(start, rng, shape)
    if shape.fixed_households:
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
                age = rng.randint(shape.youngest_days, shape.oldest_days)
                members = builder.household([age] * size, "near-names", names)
                mark_multiple_birth(members, hard_rng)
                continue
        size = min(rng.choices(shape.sizes, shape.size_weights)[0], count - len(builder.children))
        ages = _spaced_ages(rng, size, shape)
        if size >= 2 and shape.twin_share > 0 and rng.random() < shape.twin_share:
            ages[1] = ages[0]
        builder.household(ages, "twins" if size >= 2 and ages[0] == ages[1] else "")
    builder.children = builder.children[:count]
    if shape.without_nhs_number_share > 0:
        _ensure_some_without_nhs_number(builder.children, rng)
    return Population(builder.households, builder.children, builder.addresses, builder.practices)


def bench_population(count: int, seed: int, shape: HouseholdShape) -> Population:
    """A benchmark's ``count`` children of ``shape``, aged on ``BENCH_DATE``, drawn from ``seed``.

    The random stream is the generator's population stream for ``seed``, so the
    ``ENGLAND`` shape gives the children ``hub generate`` would for a run starting on
    ``BENCH_DATE``.
    """
    return build_population(count, BENCH_DATE, stream(seed, "population"), shape=shape)


def _person(child: Child, household: Household) -> Person:
    if child.nhs_number is None:
        raise ValueError(f"{child.child_id} has no NHS number: use a shape where all have one")
    address = household.address
    return Person(
        child.index,
        child.nhs_number,
        child.given_name,
        child.family_name,
        child.dob,
        address.postcode,
        address.uprn,
    )


def _spaced_ages(rng: random.Random, size: int, shape: HouseholdShape) -> list[int]:
    """Ages in days, oldest first, within the shape's range and at least the gap apart."""
    span = shape.oldest_days - shape.youngest_days - (size - 1) * MIN_SIBLING_GAP_DAYS
    draws = sorted(rng.randint(0, span) for _ in range(size))
    return sorted(
        (shape.youngest_days + draw + i * MIN_SIBLING_GAP_DAYS for i, draw in enumerate(draws)),
        reverse=True,
    )


def _ensure_some_without_nhs_number(children: list[Child], rng: random.Random) -> None:
    if len(children) >= 10 and all(child.nhs_number for child in children):
        rng.choice(children[2:]).nhs_number = None


class _Builder:
    def __init__(self, start: date, rng: random.Random, shape: HouseholdShape) -> None:
        self.start = start
        self.rng = rng
        self.shape = shape
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
        share = self.shape.without_nhs_number_share
        if template or share <= 0 or rng.random() >= share:
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
