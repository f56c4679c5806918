"""Synthetic children for the benchmarks: one builder, the same people for the same seed.

``people`` gives children who each live alone at their own address (the ingest and
alerts benchmarks); ``households`` gives families of one to three children sharing a
surname and a postcode (the lookup benchmark), one household at a time, so a caller
can draw what it needs about each household from the same random stream before the
next is drawn. NHS numbers come from the synthetic 999 range and never repeat within
``used``. The generator's richer population (``synthetic.population``: GP practices,
addresses, schools, twins) is what ``hub generate`` and the identity benchmark use.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from synthetic.identifiers import new_nhs_number

GIVEN = ("Olivia", "Noah", "Amelia", "Oliver", "Isla", "George", "Ava", "Arthur", "Mia", "Leo")
FAMILY = ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies")

ALONE_BORN_FROM = date(2010, 1, 1)
ALONE_BORN_WITHIN_DAYS = 3650
FAMILY_BORN_FROM = date(2009, 1, 1)
FAMILY_BORN_WITHIN_DAYS = 17 * 365
FAMILY_SIZES = (1, 2, 3)
FAMILY_SIZE_WEIGHTS = (60, 25, 15)


@dataclass(frozen=True)
class Person:
    """One synthetic child: ``serial`` numbers them from 0; ``uprn`` is their home's."""

    serial: int
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    uprn: str


def people(count: int, rng: random.Random, used: set[str] | None = None) -> list[Person]:
    """``count`` children, each at an address of their own (``ZZ`` postcodes)."""
    taken: set[str] = set() if used is None else used
    return [
        _draw(
            rng,
            taken,
            serial,
            f"9{serial:011d}",
            born_from=ALONE_BORN_FROM,
            born_within_days=ALONE_BORN_WITHIN_DAYS,
        )
        for serial in range(count)
    ]


def households(
    children: int, rng: random.Random, used: set[str] | None = None
) -> Iterator[tuple[Person, ...]]:
    """Families until ``children`` children are made, the last cut to fit (``LS`` postcodes)."""
    taken: set[str] = set() if used is None else used
    made = 0
    number = 0
    while made < children:
        size = min(rng.choices(FAMILY_SIZES, weights=FAMILY_SIZE_WEIGHTS)[0], children - made)
        family = rng.choice(FAMILY)
        postcode = f"LS{rng.randrange(1, 30)} {rng.randrange(10)}{rng.choice('ABDEFGHJ')}Q"
        uprn = f"1{number:011d}"
        members = tuple(
            _draw(
                rng,
                taken,
                made + position,
                uprn,
                born_from=FAMILY_BORN_FROM,
                born_within_days=FAMILY_BORN_WITHIN_DAYS,
                family_name=family,
                postcode=postcode,
            )
            for position in range(size)
        )
        yield members
        made += size
        number += 1


def _draw(
    rng: random.Random,
    used: set[str],
    serial: int,
    uprn: str,
    *,
    born_from: date,
    born_within_days: int,
    family_name: str | None = None,
    postcode: str | None = None,
) -> Person:
    """One child; the draws come in a fixed order, so a seed always gives the same child."""
    nhs_number = new_nhs_number(rng, used)
    given_name = rng.choice(GIVEN)
    family = family_name if family_name is not None else rng.choice(FAMILY)
    born = born_from + timedelta(days=rng.randrange(born_within_days))
    code = postcode if postcode is not None else f"ZZ{serial % 90 + 1} {rng.randrange(10)}AB"
    return Person(serial, nhs_number, given_name, family, born, code, uprn)
