"""The identity benchmark's records: every agency's records of a generated population.

Each agency system that knows a child registers them once, as the generator's feeds
do, and sends one or two records; each record carries its true child and what makes
it hard to resolve (``case``), so the benchmark can count wrong merges and missed links.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from adapters.envelope import event_id, normalise_postcode
from hub.application.facts import AgencyFact, SubjectRef
from hub.domain.chronology import ChronologyEntry
from hub.domain.identity import Demographics
from synthetic.feeds import ae_hl7, cp_csv, police_json
from synthetic.feeds.identity import Habits, RecordedPerson, record_person
from synthetic.model import Child as TrueChild
from synthetic.multiple_birth import recorded_multiple_birth
from synthetic.world import World

AGENCY_NAMES = {
    "ae": "EMERGENCY_CARE",
    "police": "POLICE",
    "school": "SCHOOL",
    "csc": "CHILDRENS_SOCIAL_CARE",
}
KINDS = {
    "ae": "unscheduled-care-arrival",
    "police": "domestic-abuse-notification",
    "school": "school-absence",
    "csc": "cp-status-plan-reviewed",
}
HABITS: dict[str, Habits] = {
    "ae": ae_hl7.HABITS,
    "police": police_json.HABITS,
    "csc": cp_csv.HABITS,
}
AE_SHARE = 0.5  # children with an A&E registration in the year (6.3M attendances, 12M children)
POLICE_SHARE = 0.03  # children named in a police notification, besides the at-risk cohort
SECOND_RECORD = 0.3  # registrations that send a second record (found by the agency's own id)


@dataclass(frozen=True)
class BenchRecord:
    """One agency record, who it is really about, and what makes it hard (if anything)."""

    true_child: str
    case: str
    fact: AgencyFact


def bench_records(world: World, rng: random.Random) -> list[BenchRecord]:
    """Every agency's records of the population, in a random (seeded) arrival order."""
    records: list[BenchRecord] = []
    multiples = {
        child.child_id
        for child in world.children
        if any(s.startswith("identity-near-name-") for s in child.scenarios)
    }
    when = datetime.combine(world.config.start_date, datetime.min.time(), UTC).isoformat()
    for child in world.children:
        hard = child.child_id in multiples or bool(child.quirks)
        household = world.household_of(child)
        address = household.address
        agencies = []
        if rng.random() < (1.0 if hard else AE_SHARE):
            agencies.append("ae")
        if child.school_urn:
            agencies.append("school")
        if child.on_plan or child.looked_after:
            agencies.append("csc")
        if child.at_risk or "police" in child.quirks or rng.random() < POLICE_SHARE:
            agencies.append("police")
        for agency in agencies:
            keys, person = _registration(world, child, agency, rng)
            case = _case(child, agency, person, multiples)
            home = address.uprn if agency in ("police", "csc") else None
            if agency == "school" and world.schools.by_urn[child.school_urn or ""].records_uprn:
                home = address.uprn
            for copy in range(2 if rng.random() < SECOND_RECORD else 1):
                reference = f"{child.child_id}/{agency}/{copy}"
                fact = _fact(agency, reference, keys, person, address.postcode, home, when)
                if agency == "ae" and recorded_multiple_birth(world, child)[0]:
                    fact = _as_multiple_birth(fact)
                records.append(BenchRecord(child.child_id, case, fact))
    rng.shuffle(records)
    return records


def _as_multiple_birth(fact: AgencyFact) -> AgencyFact:
    """The A&E record says the child is one of a multiple birth (HL7 PID-24)."""
    subjects = tuple(
        replace(subject, demographics=replace(subject.demographics, multiple_birth=True))
        for subject in fact.subjects
    )
    return replace(fact, subjects=subjects)


def _registration(
    world: World, child: TrueChild, agency: str, rng: random.Random
) -> tuple[tuple[str, ...], RecordedPerson]:
    """The identifiers and details one agency's system holds for the child."""
    start = world.config.start_date
    if agency == "school":
        urn = child.school_urn or ""
        pupil = world.schools.records[(urn, child.child_id)]
        quirk = child.quirks.get("school")
        person = RecordedPerson(
            (quirk.given_name if quirk and quirk.given_name else None) or pupil.forename,
            pupil.surname,
            (quirk.date_of_birth if quirk and quirk.date_of_birth else None) or child.dob,
            None,
        )
        keys = [f"upn/{pupil.upn}"] if pupil.upn else []
        keys.append(f"local/SCHOOL/{urn}/{pupil.local_pupil_id}")
        return tuple(keys), person
    person = record_person(child, HABITS[agency], rng, start, agency)
    keys = []
    nhs = person.nhs_number
    if agency == "ae" and rng.random() >= ae_hl7.NHS_AT_REGISTRATION:
        nhs = None
    if nhs:
        keys.append(f"nhs/{nhs}")
    if agency == "csc" and child.upn and rng.random() < cp_csv.UPN_KNOWN:
        keys.append(f"upn/{child.upn}")
    organisation = {"ae": "RXX01", "police": police_json.FORCE, "csc": "LA"}[agency]
    keys.append(f"local/{AGENCY_NAMES[agency]}/{organisation}/{agency}-{child.child_id}")
    recorded = RecordedPerson(person.given_name, person.family_name, person.date_of_birth, nhs)
    return tuple(keys), recorded


def _case(child: TrueChild, agency: str, person: RecordedPerson, multiples: set[str]) -> str:
    """What makes the record hard to resolve, named as the bench prints it."""
    if child.child_id in multiples:
        return "near-name multiple birth"
    quirk = child.quirks.get(agency)
    if quirk is not None:
        return f"hard case: {quirk.kind}"
    if (person.given_name, person.family_name) != (child.given_name, child.family_name):
        return "agency misspelling"
    if person.date_of_birth != child.dob:
        return "agency wrong birth date"
    return "plain"


def _fact(
    agency: str,
    reference: str,
    keys: tuple[str, ...],
    person: RecordedPerson,
    postcode: str,
    household: str | None,
    when: str,
) -> AgencyFact:
    name = AGENCY_NAMES[agency]
    entry = ChronologyEntry(
        event_id=str(event_id(name, "BENCH", reference)),
        agency=name,
        kind=KINDS[agency],
        occurred_at=when,
        recorded_at=when,
        summary=f"Identity bench record ({KINDS[agency]})",
        source_organisation="BENCH",
        source_reference=reference,
    )
    demographics = Demographics(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth.isoformat(),
        postcode=normalise_postcode(postcode),
        household_reference=household,
        nhs_number=person.nhs_number,
    )
    return AgencyFact(
        event_id=entry.event_id,
        agency=name,
        subjects=(SubjectRef(keys=keys, demographics=demographics),),
        entry=entry,
        household_fanout=household if agency == "police" else None,
    )
