"""How an agency's system holds a child: sometimes misspelt, a wrong date of birth, no NHS number.

Each agency registers a child once and reuses the record, so a misspelling made at
registration recurs in every later record from that system.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from synthetic.misspell import misspell
from synthetic.model import Child


@dataclass(frozen=True, slots=True)
class Habits:
    """How carefully an agency records identity (probabilities per registration)."""

    misspell: float
    dob_error: float
    nhs_number: float


@dataclass(frozen=True, slots=True)
class RecordedPerson:
    given_name: str
    family_name: str
    date_of_birth: date
    nhs_number: str | None


def record_person(
    child: Child, habits: Habits, rng: random.Random, latest: date, agency: str = ""
) -> RecordedPerson:
    """The child as one agency's system registered them (no date of birth after ``latest``).

    A hard case (``child.quirks[agency]``) overrides what that agency records.
    """
    given, family = child.given_name, child.family_name
    if rng.random() < habits.misspell:
        if "-" in family and rng.random() < 0.5:
            family = family.split("-")[rng.randrange(2)]
        elif rng.random() < 0.5:
            given = misspell(given, rng)
        else:
            family = misspell(family, rng)
    dob = (
        wrong_date_of_birth(child.dob, rng, latest)
        if rng.random() < habits.dob_error
        else child.dob
    )
    nhs = child.nhs_number if rng.random() < habits.nhs_number else None
    quirk = child.quirks.get(agency)
    if quirk is not None:
        given = quirk.given_name or given
        family = quirk.family_name or family
        if quirk.date_of_birth is not None and quirk.date_of_birth <= latest:
            dob = quirk.date_of_birth
    return RecordedPerson(given, family, dob, nhs)


def wrong_date_of_birth(dob: date, rng: random.Random, latest: date) -> date:
    """Day and month swapped where that makes a past date, otherwise a day out."""
    if dob.day <= 12 and dob.day != dob.month and rng.random() < 0.6:
        swapped = dob.replace(month=dob.day, day=dob.month)
        if swapped <= latest:
            return swapped
    shifted = dob + timedelta(days=rng.choice((-1, 1)))
    return shifted if shifted <= latest else dob - timedelta(days=1)
