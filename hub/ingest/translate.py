"""Translate decoded Avro records (newest schema versions) into ``AgencyFact``s.

Summaries are short, factual and name no one: they are what a chronology
shows and what a court reads (requirement C3). Free text (the child's voice)
stays in the entry's details under a sensitivity label, never in a summary.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.application.facts import AgencyFact, PlanChange, RollChange, SubjectRef
from hub.domain.identifiers import nhs_number_is_valid
from hub.domain.identity import Demographics
from hub.ingest.attendance import emergency_attendance
from hub.ingest.entries import TranslationError as TranslationError
from hub.ingest.entries import entry as _entry
from hub.ingest.entries import iso as _iso
from hub.ingest.entries import single_subject as _single_subject
from hub.ingest.entries import words as _words

CLOCK_SKEW = timedelta(minutes=5)


def translate(
    schema_name: str, record: dict[str, Any], *, now: datetime | None = None
) -> AgencyFact:
    """Check what Avro cannot (check digits, dates), then translate, or ``TranslationError``."""
    try:
        translator = _TRANSLATORS[schema_name]
    except KeyError:
        raise TranslationError(f"no translation for schema {schema_name}") from None
    _check_envelope(record["envelope"], now or datetime.now(UTC))
    return translator(record)


def _check_envelope(envelope: dict[str, Any], now: datetime) -> None:
    nhs = envelope["subject"]["nhs_number"]
    if nhs and not nhs_number_is_valid(nhs):
        raise TranslationError("subject.nhs_number fails the modulus-11 check")
    if envelope["occurred_at"] > now + CLOCK_SKEW:
        raise TranslationError("envelope.occurred_at is in the future")
    if not envelope["record_reference"].strip():
        raise TranslationError("envelope.record_reference is empty")


def _domestic_abuse(record: dict[str, Any]) -> AgencyFact:
    envelope = record["envelope"]
    summary = (
        f"Police domestic abuse notification {record['incident_reference']}: "
        f"risk {_words(record['risk_level'])}, alleged perpetrator "
        f"{_words(record['perpetrator_relation'])}"
    )
    subjects = []
    for index, child in enumerate(record["children"]):
        keys = []
        if child["nhs_number"]:
            keys.append(f"nhs/{child['nhs_number']}")
        if child["person_reference"]:
            keys.append(
                f"local/{envelope['source_agency']}/{envelope['source_organisation']}/"
                f"{child['person_reference']}"
            )
        demographics = Demographics(
            given_name=child["given_name"],
            family_name=child["family_name"],
            date_of_birth=_iso(child["date_of_birth"]),
            postcode=record["location"]["postcode"],
            household_reference=record["location"]["uprn"],
            nhs_number=child["nhs_number"],
        )
        details = {"present": child["present"], "resident": child["resident"]}
        if child["voice"]:
            details["voice"] = child["voice"]
        subjects.append(
            SubjectRef(
                keys=tuple(keys), demographics=demographics, index=index, entry_details=details
            )
        )
    details = {
        "incident_reference": record["incident_reference"],
        "risk_level": record["risk_level"],
        "perpetrator_relation": record["perpetrator_relation"],
    }
    return AgencyFact(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        subjects=tuple(subjects),
        entry=_entry(record, "domestic-abuse-notification", summary, details),
        household_fanout=record["location"]["uprn"],
    )


def _school_absence(record: dict[str, Any]) -> AgencyFact:
    consecutive = record["consecutive_absences"]
    summary = (
        f"Absent from {record['school_name']} ({record['session']} session, "
        f"{record['session_date'].isoformat()}): code {record['attendance_code']}, "
        f"{_words(record['absence_type'])}"
    )
    if consecutive:
        summary += f"; {consecutive} consecutive sessions missed"
    details = {
        "school_urn": record["school_urn"],
        "session_date": record["session_date"].isoformat(),
        "session": record["session"],
        "attendance_code": record["attendance_code"],
        "absence_type": record["absence_type"],
        "consecutive_absences": consecutive,
    }
    return AgencyFact(
        event_id=str(record["envelope"]["event_id"]),
        agency=record["envelope"]["source_agency"],
        subjects=_single_subject(record),
        entry=_entry(record, "school-absence", summary, details),
        professionals={"school": {"urn": record["school_urn"], "name": record["school_name"]}},
        # An absence mark is on the register too: the pupil is on the school's roll that day.
        roll=RollChange(
            school_urn=record["school_urn"],
            school_name=record["school_name"],
            occurred_at=record["envelope"]["occurred_at"].isoformat(),
            seen_on=record["session_date"].isoformat(),
        ),
    )


_ENROLMENT_STATUS = {
    "CURRENT_SINGLE": "single registration",
    "CURRENT_MAIN_DUAL": "main dual registration",
    "CURRENT_SUBSIDIARY_DUAL": "subsidiary dual registration",
    "GUEST": "guest",
    "CURRENT_FURTHER_EDUCATION": "further education",
    "PREVIOUS": "previous pupil",
}


def _pupil_on_roll(record: dict[str, Any]) -> AgencyFact:
    """A roll record is a dated chronology entry; a register's present mark is evidence only."""
    envelope = record["envelope"]
    school = f"{record['school_name']} (URN {record['school_urn']})"
    entry_date = _iso(record["entry_date"])
    leaving_date = _iso(record["leaving_date"])
    roll = RollChange(
        school_urn=record["school_urn"],
        school_name=record["school_name"],
        occurred_at=envelope["occurred_at"].isoformat(),
        entry_date=entry_date,
        leaving_date=leaving_date,
        status=record["enrolment_status"],
        seen_on=_iso(record["seen_on"]),
    )
    entry = None
    if record["evidence"] == "SCHOOL_ROLL":
        if entry_date is None:
            raise TranslationError("entry_date is required for SCHOOL_ROLL evidence")
        status = _ENROLMENT_STATUS.get(record["enrolment_status"] or "", "status not given")
        if leaving_date is not None:
            kind = "school-roll-left"
            summary = f"Left the roll of {school} on {leaving_date} (on roll from {entry_date})"
        else:
            kind = "school-roll-joined"
            summary = f"On the roll of {school} from {entry_date} ({status})"
        details = {
            "school_urn": record["school_urn"],
            "entry_date": entry_date,
            "leaving_date": leaving_date,
            "enrolment_status": record["enrolment_status"],
            "former_upn": record["former_upn"],
        }
        entry = _entry(record, kind, summary, details)
    elif roll.seen_on is None:
        raise TranslationError("seen_on is required for REGISTER evidence")
    subjects = _single_subject(record)
    if record["former_upn"]:
        subjects = (replace(subjects[0], former_keys=(f"upn/{record['former_upn']}",)),)
    return AgencyFact(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        subjects=subjects,
        entry=entry,
        roll=roll,
    )


_STATUS_SUMMARY = {
    "PLAN_STARTED": "Child protection plan started",
    "PLAN_REVIEWED": "Child protection plan reviewed",
    "PLAN_ENDED": "Child protection plan ended",
    "LOOKED_AFTER_STARTED": "Became looked after",
    "LOOKED_AFTER_ENDED": "Ceased to be looked after",
    "UNBORN_PLAN_STARTED": "Unborn child protection plan started",
}


def _plan_status(record: dict[str, Any]) -> AgencyFact:
    authority = dict(record["responsible_authority"])
    status = record["status_event"]
    summary = f"{_STATUS_SUMMARY[status]} ({authority['name']})"
    if record["plan_category"]:
        summary += f"; category {_words(record['plan_category'])}"
    details = {
        "status_event": status,
        "event_date": record["event_date"].isoformat(),
        "plan_category": record["plan_category"],
        "looked_after": record["looked_after"],
        "responsible_authority": authority["code"],
    }
    professionals: dict[str, dict[str, str | None]] = {}
    if record["lead_social_worker"]:
        professionals["lead_social_worker"] = {
            "name": record["lead_social_worker"],
            "email": record["lead_social_worker_email"],
            "team": record["team"],
            "authority": authority["code"],
        }
    return AgencyFact(
        event_id=str(record["envelope"]["event_id"]),
        agency=record["envelope"]["source_agency"],
        subjects=_single_subject(record),
        entry=_entry(record, f"cp-status-{status.lower().replace('_', '-')}", summary, details),
        plan_change=PlanChange(
            status_event=status,
            event_date=record["event_date"].isoformat(),
            category=record["plan_category"],
            looked_after=record["looked_after"],
            authority=authority,
        ),
        professionals=professionals,
    )


_TRANSLATORS = {
    "EmergencyAttendance": emergency_attendance,
    "DomesticAbuseNotification": _domestic_abuse,
    "SchoolAbsence": _school_absence,
    "PupilOnRoll": _pupil_on_roll,
    "ChildProtectionPlanStatus": _plan_status,
}
