"""The lookup benchmark's agency events: A&E attendances, plan starts and ends, police notices."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from adapters import emergency_care, police, social_care
from adapters.envelope import envelope, message_key, subject
from adapters.records import OutboundEvent
from bench.lookup_population import (
    AUTHORITIES,
    CATEGORIES,
    SITE_WEIGHTS,
    SITES,
    BenchHousehold,
    Population,
)
from synthetic.population import Person


def _subject(child: Person, **extra: Any) -> dict[str, Any]:
    return subject(
        nhs_number=child.nhs_number,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        **extra,
    )


def attendance_event(
    child: Person, site: tuple[str, str, str], arrival: datetime, visit: str
) -> OutboundEvent:
    code, name, site_type = site
    fields = _subject(child, local_id=f"{code}-{child.nhs_number}")
    record = {
        "envelope": envelope(
            agency=emergency_care.AGENCY,
            source_system="EDIS",
            source_organisation=code,
            record_reference=f"{code}/{visit}/A04",
            occurred_at=arrival,
            recorded_at=arrival,
            subject_fields=fields,
        ),
        "attendance_event": "REGISTERED",
        "site_code": code,
        "site_name": name,
        "site_type": site_type,
        "attendance_reference": visit,
        "arrival_time": arrival,
        "attendance_category": "FIRST",
        "injury": True,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": None,
        "discharge_time": None,
        "registered_gp_practice": "B86001",
        "registered_gp_practice_name": "Park Lane Surgery",
    }
    return OutboundEvent(
        emergency_care.SCHEMA, record, message_key(emergency_care.AGENCY, code, fields)
    )


def plan_event(
    child: Person,
    household: BenchHousehold,
    status_event: str,
    day: date,
    category: str | None,
    authority: tuple[str, str],
) -> OutboundEvent:
    code, name = authority
    fields = _subject(child, household_reference=household.uprn)
    reference = f"{code}/{child.nhs_number}/{status_event}/{day.isoformat()}"
    occurred = datetime.combine(day, clock_time(9, 0), tzinfo=UTC)
    record = {
        "envelope": envelope(
            agency=social_care.AGENCY,
            source_system=social_care.SOURCE_SYSTEM,
            source_organisation=code,
            record_reference=reference,
            occurred_at=occurred,
            recorded_at=occurred + timedelta(hours=2),
            subject_fields=fields,
        ),
        "status_event": status_event,
        "event_date": day,
        "plan_category": category,
        "looked_after": household.looked_after,
        "responsible_authority": {
            "code": code,
            "name": name,
            "office_hours_phone": "0113 000 0001",
            "out_of_hours_phone": "0113 000 0002",
        },
        "lead_social_worker": "Alex Worker",
        "lead_social_worker_email": "alex.worker@example.org",
        "team": "Assessment Team 1",
    }
    return OutboundEvent(social_care.SCHEMA, record, message_key(social_care.AGENCY, code, fields))


def police_event(household: BenchHousehold, incident: datetime, risk: str) -> OutboundEvent:
    first = household.children[0]
    fields = subject(postcode=first.postcode, household_reference=household.uprn)
    reference = f"WYP-{household.uprn}-{incident:%Y%m%d}"
    record = {
        "envelope": envelope(
            agency=police.AGENCY,
            source_system="NICHE",
            source_organisation="WYP",
            record_reference=reference,
            occurred_at=incident,
            recorded_at=incident + timedelta(hours=6),
            subject_fields=fields,
        ),
        "incident_reference": reference,
        "incident_time": incident,
        "location": {"uprn": household.uprn, "address": None, "postcode": first.postcode},
        "risk_level": risk,
        "perpetrator_relation": "PARENT_PARTNER",
        "children": [
            {
                "person_reference": None,
                "nhs_number": child.nhs_number,
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth,
                "present": index == 0,
                "resident": True,
                "voice": None,
            }
            for index, child in enumerate(household.children)
        ],
    }
    return OutboundEvent(police.SCHEMA, record, f"uprn:{household.uprn}")


def population_events(
    population: Population, today: date, seed: int = 1
) -> Iterator[OutboundEvent]:
    """Each household in turn: its children's attendances, then plans, then police."""
    rng = random.Random(seed * 7919 + 1)
    now = datetime.combine(today, clock_time(0, 0), tzinfo=UTC)
    visit = 0
    for household in population.households:
        for child in household.children:
            for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 30, 20, 10, 5))[0]):
                visit += 1
                arrival = now - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440))
                site = rng.choices(SITES, SITE_WEIGHTS)[0]
                yield attendance_event(child, site, arrival, f"V{visit:08d}")
        if household.plan is None:
            continue
        authority = rng.choice(AUTHORITIES)
        for child in household.children:
            category = rng.choice(CATEGORIES)
            if household.plan in ("ended", "ended-then-current"):
                started = today - timedelta(days=rng.randrange(380, 700))
                ended = today - timedelta(days=rng.randrange(20, 300))
                yield plan_event(child, household, "PLAN_STARTED", started, category, authority)
                yield plan_event(child, household, "PLAN_ENDED", ended, None, authority)
            if household.plan in ("current", "ended-then-current"):
                # A new plan after an ended one starts after it ended (20+ days ago).
                latest = 500 if household.plan == "current" else 15
                started = today - timedelta(days=rng.randrange(5, latest))
                yield plan_event(child, household, "PLAN_STARTED", started, category, authority)
        if household.police:
            incident = now - timedelta(days=rng.randrange(1, 21), hours=rng.randrange(24))
            yield police_event(household, incident, rng.choice(("STANDARD", "MEDIUM", "HIGH")))
