"""A fast stream of valid agency events for benchmarks: mostly school absences, some A&E."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from adapters import emergency_care, school
from adapters.envelope import envelope, message_key, subject
from adapters.records import OutboundEvent
from synthetic.identifiers import make_upn
from synthetic.population import ALONE, Person, bench_population

SCHOOL_LA = "999"
SITE_CODE = "RXX01"


@dataclass(frozen=True)
class _Child:
    """A benchmark child with the identifiers the A&E and school feeds carry."""

    person: Person
    mrn: str
    upn: str


def _children(count: int, seed: int) -> list[_Child]:
    """``count`` children, each alone at home (``synthetic.population.ALONE``)."""
    return [
        _Child(
            person,
            f"{SITE_CODE}-{person.serial:07d}",
            make_upn(SCHOOL_LA, f"{person.serial // 1000:04d}", 20, person.serial % 1000),
        )
        for person in bench_population(count, seed, ALONE).people()
    ]


def synthetic_events(
    count: int, *, children: int, seed: int = 1, first_number: int = 0, one_each: bool = False
) -> Iterator[tuple[str, OutboundEvent]]:
    """``count`` events as (agency, event): 90% school absences, 10% A&E registrations.

    The same ``children`` and ``seed`` give the same population; ``one_each`` takes the
    children in turn (a warm-up that makes every child known) instead of at random.
    """
    population = _children(children, seed)
    rng = random.Random(seed + first_number)
    start = datetime.now(UTC).date() - timedelta(days=30)
    for number in range(first_number, first_number + count):
        if one_each:
            child = population[(number - first_number) % len(population)]
        else:
            child = population[rng.randrange(len(population))]
        day = start + timedelta(days=number % 28)
        if rng.random() < 0.9:
            yield "school", _absence(number, child, day)
        else:
            yield "ae", _attendance(number, child, day)


def _absence(number: int, child: _Child, day: date) -> OutboundEvent:
    session = "AM" if number % 2 else "PM"
    occurred = datetime.combine(day, time(9, 0), tzinfo=UTC)
    person = child.person
    fields = subject(
        unique_pupil_number=child.upn,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
        household_reference=person.uprn,
    )
    record = {
        "envelope": envelope(
            agency=school.AGENCY,
            source_system="MIS",
            source_organisation="100001",
            record_reference=f"100001/{child.upn}/{number}/{session}/N",
            occurred_at=occurred,
            recorded_at=occurred,
            subject_fields=fields,
        ),
        "school_urn": "100001",
        "school_name": "Bench Primary",
        "session_date": day,
        "session": session,
        "attendance_code": "N",
        "absence_type": "UNAUTHORISED",
        "consecutive_absences": None,
    }
    return OutboundEvent(school.SCHEMA, record, message_key(school.AGENCY, "100001", fields))


def _attendance(number: int, child: _Child, day: date) -> OutboundEvent:
    arrival = datetime.combine(day, time(14, 0), tzinfo=UTC)
    person = child.person
    fields = subject(
        nhs_number=person.nhs_number,
        local_id=child.mrn,
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        postcode=person.postcode,
    )
    record = {
        "envelope": envelope(
            agency=emergency_care.AGENCY,
            source_system="EDIS",
            source_organisation="RXX01",
            record_reference=f"RXX01/V{number}/A04",
            occurred_at=arrival,
            recorded_at=arrival,
            subject_fields=fields,
        ),
        "attendance_event": "REGISTERED",
        "site_code": "RXX01",
        "site_name": "Bench General ED",
        "site_type": "EMERGENCY_DEPARTMENT",
        "attendance_reference": f"V{number}",
        "arrival_time": arrival,
        "attendance_category": "FIRST",
        "injury": True,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": None,
        "discharge_time": None,
        "registered_gp_practice": None,
        "registered_gp_practice_name": None,
    }
    return OutboundEvent(
        emergency_care.SCHEMA, record, message_key(emergency_care.AGENCY, "RXX01", fields)
    )
