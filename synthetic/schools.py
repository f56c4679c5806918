"""Schools and their rolls: primaries per town, secondaries per local authority, UPNs.

Pupils are children aged 4-16 on the start date; about 1% of them are on no school's roll
(home educated or missing education). A UPN is allocated once, by the pupil's first
school, and stays with them when they move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from synthetic.identifiers import make_upn
from synthetic.misspell import misspell
from synthetic.model import Child, Household, School
from synthetic.names import ADULTS, STREET_STEMS, SURNAMES
from synthetic.places import LOCAL_AUTHORITIES, TOWNS

PRIMARY_AGES = range(4, 11)
SECONDARY_AGES = range(11, 17)
PUPILS_PER_PRIMARY = 300
PUPILS_PER_SECONDARY = 900
NOT_ON_ROLL_SHARE = 0.01
SAINTS = ("Mary", "John", "Peter", "Anne", "Paul", "Michael", "Bede", "Hilda", "Aidan", "Luke")


@dataclass(slots=True)
class PupilRecord:
    """How one school's information system holds one pupil."""

    local_pupil_id: str
    forename: str
    surname: str
    upn: str | None


@dataclass(slots=True)
class Schools:
    schools: list[School]
    by_urn: dict[str, School]
    records: dict[tuple[str, str], PupilRecord] = field(default_factory=dict)
    _next_local_id: dict[str, int] = field(default_factory=dict)
    _by_area: dict[tuple[str, str, int | None], list[School]] = field(default_factory=dict)

    def enrol(self, school: School, child: Child, rng: random.Random) -> PupilRecord:
        """Put ``child`` on ``school``'s roll with a new admission number."""
        number = self._next_local_id.setdefault(school.urn, rng.randrange(1000, 5000))
        self._next_local_id[school.urn] = number + 1
        forename = misspell(child.given_name, rng) if rng.random() < 0.01 else child.given_name
        surname = misspell(child.family_name, rng) if rng.random() < 0.01 else child.family_name
        upn = child.upn if rng.random() < 0.98 else None
        record = PupilRecord(f"{number:06d}", forename, surname, upn)
        self.records[(school.urn, child.child_id)] = record
        return record

    def in_phase(self, phase: str, la_code: str, town_index: int | None = None) -> list[School]:
        """Schools of ``phase`` in an LA (and town, if given)."""
        key = (phase, la_code, town_index)
        found = self._by_area.get(key)
        if found is None:
            found = [
                school
                for school in self.schools
                if school.phase == phase
                and school.la_code == la_code
                and (town_index is None or school.town_index == town_index)
            ]
            self._by_area[key] = found
        return found


def phase_for_age(age: int) -> str | None:
    """``primary``, ``secondary`` or None for a child of ``age`` years."""
    if age in PRIMARY_AGES:
        return "primary"
    if age in SECONDARY_AGES:
        return "secondary"
    return None


def build_schools(
    children: list[Child], households: dict[str, Household], start: date, rng: random.Random
) -> Schools:
    """Create schools sized to the population and put every pupil on one roll."""
    phases = {child.child_id: phase_for_age(child.age_on(start)) for child in children}
    schools: list[School] = []
    used: set[str] = set()
    for town in TOWNS:
        pupils = sum(
            1
            for child in children
            if phases[child.child_id] == "primary"
            and households[child.household_id].town.index == town.index
        )
        for _ in range(max(1, round(pupils / PUPILS_PER_PRIMARY)) if pupils else 0):
            schools.append(_school(rng, "primary", town.la_code, town.index, used))
    for la in LOCAL_AUTHORITIES:
        pupils = sum(
            1
            for child in children
            if phases[child.child_id] == "secondary"
            and households[child.household_id].town.la_code == la.code
        )
        la_towns = [town for town in TOWNS if town.la_code == la.code]
        for k in range(max(1, round(pupils / PUPILS_PER_SECONDARY)) if pupils else 0):
            town_index = la_towns[k % len(la_towns)].index
            schools.append(_school(rng, "secondary", la.code, town_index, used))
    result = Schools(schools, {school.urn: school for school in schools})
    by_id = {child.child_id: child for child in children}
    _assign(result, by_id, households, phases, rng)
    return result


def _school(
    rng: random.Random, phase: str, la_code: str, town_index: int, used: set[str]
) -> School:
    town = TOWNS[town_index].name
    while True:
        urn = str(rng.randrange(180_000, 200_000))
        stem = rng.choice(STREET_STEMS)
        if phase == "primary":
            name = rng.choice(
                (
                    f"{stem} Primary School",
                    f"St {rng.choice(SAINTS)}'s C of E Primary School",
                    f"{town} {stem} Primary Academy",
                    f"{stem} Community Primary School",
                )
            )
            establishment = str(rng.randrange(2000, 4000))
        else:
            name = rng.choice(
                (f"{stem} High School", f"{town} {stem} Academy", f"{stem} Community College")
            )
            establishment = str(rng.randrange(4000, 6000))
        keys = (f"urn:{urn}", f"name:{name}", f"estab:{la_code}{establishment}")
        if not any(key in used for key in keys):
            used.update(keys)
            break
    return School(
        urn=urn,
        name=name,
        phase=phase,
        la_code=la_code,
        establishment=establishment,
        town_index=town_index,
        dsl_name=f"{rng.choice(ADULTS)} {rng.choice(SURNAMES)}",
        computes_consecutive=rng.random() < 0.75,
        records_uprn=rng.random() < 0.6,
    )


def _assign(
    schools: Schools,
    by_id: dict[str, Child],
    households: dict[str, Household],
    phases: dict[str, str | None],
    rng: random.Random,
) -> None:
    """Enrol pupils (siblings in one phase usually at one school) and allocate their UPNs."""
    serials: dict[str, int] = {}
    for household in households.values():
        chosen: dict[str, School] = {}
        for child_id in household.member_ids:
            child = by_id[child_id]
            phase = phases[child.child_id]
            if phase is None or (not household.template and rng.random() < NOT_ON_ROLL_SHARE):
                continue
            town = household.town
            local = schools.in_phase(
                phase, town.la_code, town.index if phase == "primary" else None
            )
            if phase in chosen and rng.random() < 0.9:
                school = chosen[phase]
            else:
                school = rng.choice(local)
                chosen.setdefault(phase, school)
            primaries = schools.in_phase("primary", town.la_code) or [school]
            first_school = school if phase == "primary" else rng.choice(primaries)
            child.upn = _allocate_upn(first_school, child, serials, rng)
            child.school_urn = school.urn
            schools.enrol(school, child, rng)


def _allocate_upn(school: School, child: Child, serials: dict[str, int], rng: random.Random) -> str:
    """The next free UPN at ``school`` for the year the child started school."""
    year = child.dob.year + 4 + int(child.dob.month >= 9)
    while True:
        key = f"{school.la_code}{school.establishment}{year % 100:02d}"
        serial = serials.setdefault(key, rng.randrange(0, 400))
        if serial < 1000:
            serials[key] = serial + 1
            return make_upn(school.la_code, school.establishment, year, serial)
        year += 1
