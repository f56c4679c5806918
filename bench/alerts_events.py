"""The alerts benchmark's agency events: a plan for each child, quiet absences, A&E arrivals.

Only rule ``a1-attendance-while-on-plan-or-looked-after`` fires on these events: every
child gets a child protection plan with a lead social worker's email of its own, school
absences are authorised (code I, no consecutive count) and A&E arrivals carry no injury
and no concern. The organisations and the school are written for ``hub reference``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from adapters import emergency_care, school, social_care
from adapters.envelope import envelope, message_key, subject
from adapters.records import OutboundEvent
from synthetic.identifiers import make_upn
from synthetic.population import Person

LA_CODE = "900"
SITE_CODE = "RXX01"
SCHOOL_URN = "100001"
ORGANISATIONS = f"""code,type,name,email,escalation_email
{LA_CODE},local-authority,Bench Borough,front-door@bench.example.org.uk,duty@bench.example.org.uk
{SITE_CODE},unscheduled-care,Bench General ED,safeguarding@rxx01.example.nhs.uk,
{SCHOOL_URN},school,Bench Primary,dsl@100001.example.org.uk,
"""
SCHOOLS = f"""urn,name,dsl_name,dsl_email,la_code
{SCHOOL_URN},Bench Primary,Pat Lead,dsl@100001.example.org.uk,{LA_CODE}
"""


def pupil_number(child: Person) -> str:
    """The child's unique pupil number at the benchmark's school."""
    return make_upn(LA_CODE, f"{child.serial // 1000:04d}", 20, child.serial % 1000)


def worker_email(child: Person) -> str:
    """The email address of the child's lead social worker (one each)."""
    return f"sw{child.serial:05d}@bench.example.org.uk"


def _subject(child: Person, **identifiers: str | None) -> dict[str, Any]:
    """The envelope's subject: this child's demographics plus the record's identifiers."""
    return subject(
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        **identifiers,
    )


def plan_started(child: Person, run: str, now: datetime) -> OutboundEvent:
    started = now.date() - timedelta(days=30)
    fields = _subject(
        child,
        nhs_number=child.nhs_number,
        unique_pupil_number=pupil_number(child),
        local_id=f"LCS-{child.serial}",
        household_reference=child.uprn,
    )
    record = {
        "envelope": envelope(
            agency=social_care.AGENCY,
            source_system=social_care.SOURCE_SYSTEM,
            source_organisation=LA_CODE,
            record_reference=f"{LA_CODE}/LCS-{child.serial}/plan-started/{run}",
            occurred_at=datetime.combine(started, clock_time(9, 0), tzinfo=UTC),
            recorded_at=now,
            subject_fields=fields,
        ),
        "status_event": "PLAN_STARTED",
        "event_date": started,
        "plan_category": "NEGLECT",
        "looked_after": False,
        "responsible_authority": {
            "code": LA_CODE,
            "name": "Bench Borough",
            "office_hours_phone": "0100 000 0001",
            "out_of_hours_phone": "0100 000 0002",
        },
        "lead_social_worker": f"Worker {child.serial}",
        "lead_social_worker_email": worker_email(child),
        "team": "Bench Team",
    }
    key = message_key(social_care.AGENCY, LA_CODE, fields)
    return OutboundEvent(social_care.SCHEMA, record, key)


def authorised_absence(child: Person, number: int, run: str, now: datetime) -> OutboundEvent:
    """Code I (illness), no consecutive count: no rule counts it, so it raises nothing."""
    day = now.date() - timedelta(days=number % 28)
    session = "AM" if number % 2 else "PM"
    fields = _subject(
        child, unique_pupil_number=pupil_number(child), household_reference=child.uprn
    )
    record = {
        "envelope": envelope(
            agency=school.AGENCY,
            source_system=school.SOURCE_SYSTEM,
            source_organisation=SCHOOL_URN,
            record_reference=f"{SCHOOL_URN}/{pupil_number(child)}/{run}-{number}/{session}/I",
            occurred_at=datetime.combine(day, clock_time(8, 45), tzinfo=UTC),
            recorded_at=now,
            subject_fields=fields,
        ),
        "school_urn": SCHOOL_URN,
        "school_name": "Bench Primary",
        "session_date": day,
        "session": session,
        "attendance_code": "I",
        "absence_type": "AUTHORISED",
        "consecutive_absences": None,
    }
    return OutboundEvent(school.SCHEMA, record, message_key(school.AGENCY, SCHOOL_URN, fields))


def arrival(child: Person, visit: str, now: datetime) -> OutboundEvent:
    """An A&E registration with no injury and no concern: only rule A1 fires (on a plan)."""
    fields = _subject(
        child, nhs_number=child.nhs_number, local_id=f"{SITE_CODE}-{child.serial:07d}"
    )
    record = {
        "envelope": envelope(
            agency=emergency_care.AGENCY,
            source_system="EDIS",
            source_organisation=SITE_CODE,
            record_reference=f"{SITE_CODE}/{visit}/A04",
            occurred_at=now,
            recorded_at=now,
            subject_fields=fields,
        ),
        "attendance_event": "REGISTERED",
        "site_code": SITE_CODE,
        "site_name": "Bench General ED",
        "site_type": "EMERGENCY_DEPARTMENT",
        "attendance_reference": visit,
        "arrival_time": now,
        "attendance_category": "FIRST",
        "injury": False,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": None,
        "discharge_time": None,
        "registered_gp_practice": None,
        "registered_gp_practice_name": None,
    }
    key = message_key(emergency_care.AGENCY, SITE_CODE, fields)
    return OutboundEvent(emergency_care.SCHEMA, record, key)
