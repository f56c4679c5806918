"""Translate decoded Avro records (newest schema versions) into ``AgencyFact``s.

Summaries are short, factual and name no one: they are what a chronology
shows and what a court reads (requirement C3). Free text (the child's voice)
stays in the entry's details under a sensitivity label, never in a summary.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from hub.application.facts import AgencyFact, PlanChange, RollChange, SubjectRef
from hub.domain.chronology import ChronologyEntry
from hub.domain.identifiers import nhs_number_is_valid
from hub.domain.identity import Demographics
from hub.domain.withdrawal import Update, Withdrawal

CLOCK_SKEW = timedelta(minutes=5)


class TranslationError(ValueError):
    """A decoded record is well-formed Avro but unusable (e.g. nobody to attach it to)."""

    reason = "invalid-field"


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


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _words(symbol: str) -> str:
    return symbol.replace("_", " ").lower()


def _subject_keys(envelope: dict[str, Any]) -> tuple[str, ...]:
    subject = envelope["subject"]
    keys = []
    if subject["nhs_number"]:
        keys.append(f"nhs/{subject['nhs_number']}")
    if subject["unique_pupil_number"]:
        keys.append(f"upn/{subject['unique_pupil_number']}")
    if subject["local_id"]:
        keys.append(
            f"local/{envelope['source_agency']}/{envelope['source_organisation']}/{subject['local_id']}"
        )
    return tuple(keys)


def _demographics(subject: dict[str, Any]) -> Demographics:
    return Demographics(
        given_name=subject["given_name"],
        family_name=subject["family_name"],
        date_of_birth=_iso(subject["date_of_birth"]),
        postcode=subject["postcode"],
        household_reference=subject["household_reference"],
        nhs_number=subject["nhs_number"],
    )


def _entry(
    record: dict[str, Any], kind: str, summary: str, details: dict[str, Any]
) -> ChronologyEntry:
    envelope = record["envelope"]
    return ChronologyEntry(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        kind=kind,
        occurred_at=envelope["occurred_at"].isoformat(),
        recorded_at=envelope["recorded_at"].isoformat(),
        summary=summary,
        source_organisation=envelope["source_organisation"],
        source_reference=envelope["record_reference"],
        labels=tuple(envelope["sensitivity_labels"]),
        details=details,
    )


def _single_subject(record: dict[str, Any]) -> tuple[SubjectRef, ...]:
    envelope = record["envelope"]
    keys = _subject_keys(envelope)
    demographics = _demographics(envelope["subject"])
    if not keys and not demographics.date_of_birth:
        raise TranslationError("subject has no identifier and no date of birth")
    return (SubjectRef(keys=keys, demographics=demographics),)


_ATTENDANCE_KINDS = {
    "REGISTERED": "unscheduled-care-arrival",
    "UPDATED": "unscheduled-care-update",
    "DISCHARGED": "unscheduled-care-discharge",
    "REGISTRATION_CANCELLED": "unscheduled-care-registration-cancelled",
    "DISCHARGE_CANCELLED": "unscheduled-care-discharge-cancelled",
}
# What each cancellation withdraws of the same attendance.
_CANCELS = {
    "REGISTRATION_CANCELLED": (
        "unscheduled-care-arrival",
        "unscheduled-care-update",
        "unscheduled-care-discharge",
    ),
    "DISCHARGE_CANCELLED": ("unscheduled-care-discharge",),
}
_ATTENDANCE_FLAGS = (
    ("injury", "injury"),
    ("safeguarding_concern_raised", "safeguarding concern raised"),
    ("suspected_non_accidental_injury", "suspected non-accidental injury"),
    ("examination_refused", "fuller examination refused"),
)
# An update (HL7 A08) is a new chronology entry when it changes a safeguarding flag.
_ATTENDANCE_UPDATE = Update("attendance_reference", tuple(name for name, _ in _ATTENDANCE_FLAGS))


def _exact_times(record: dict[str, Any]) -> dict[str, Any]:
    """The record with its envelope's times to the microsecond when it carries them (v4).

    The envelope keeps milliseconds; ``occurred_at_micros``/``recorded_at_micros`` must
    agree with them to the millisecond, or the record is refused (never a guess).
    """
    envelope = dict(record["envelope"])
    for name in ("occurred_at", "recorded_at"):
        exact = record.get(f"{name}_micros")
        if exact is None:
            continue
        if exact.replace(microsecond=exact.microsecond // 1000 * 1000) != envelope[name]:
            raise TranslationError(f"{name}_micros does not agree with envelope.{name}")
        envelope[name] = exact
    return {**record, "envelope": envelope}


def _emergency_attendance(record: dict[str, Any]) -> AgencyFact:
    record = _exact_times(record)
    event = record["attendance_event"]
    subjects = _single_subject(record)
    if record.get("multiple_birth"):  # HL7 PID-24 (v2 of the schema)
        subjects = tuple(
            replace(s, demographics=replace(s.demographics, multiple_birth=True)) for s in subjects
        )
    flags = [label for name, label in _ATTENDANCE_FLAGS if record[name]]
    site_type = record["site_type"]
    place = record["site_name"] + (f" ({_words(site_type)})" if site_type else "")
    category = record["attendance_category"]
    if event == "REGISTERED":
        summary = f"Arrived at {place}" + (f"; {_words(category)} attendance" if category else "")
    elif event == "UPDATED":
        summary = f"Attendance at {place} updated"
    elif event == "DISCHARGED":
        summary = f"Discharged from {place}: {_words(record['discharge_status'] or 'unknown')}"
    else:
        what = "arrival" if event == "REGISTRATION_CANCELLED" else "discharge"
        summary = f"Cancelled {what} at {place}: {record['cancellation_reason']}"
    if flags and event in ("REGISTERED", "UPDATED", "DISCHARGED"):
        summary += "; " + "; ".join(flags)
    details = {
        "site_code": record["site_code"],
        "site_type": site_type,
        "attendance_reference": record["attendance_reference"],
        "arrival_time": _iso(record["arrival_time"]),
        "attendance_category": category,
        **{name: record[name] for name, _ in _ATTENDANCE_FLAGS},
        "discharge_status": record["discharge_status"],
        "discharge_time": _iso(record["discharge_time"]),
    }
    professionals: dict[str, dict[str, str | None]] = {}
    if record["registered_gp_practice"]:
        professionals["gp_practice"] = {
            "code": record["registered_gp_practice"],
            "name": record["registered_gp_practice_name"],
        }
    envelope = record["envelope"]
    withdrawal = None
    if event in _CANCELS:
        withdrawal = Withdrawal(
            event_id=str(envelope["event_id"]),
            agency=envelope["source_agency"],
            source_organisation=envelope["source_organisation"],
            source_reference=envelope["record_reference"],
            detail="attendance_reference",
            value=record["attendance_reference"],
            kinds=_CANCELS[event],
            reason=f"{_words(event)}: {record['cancellation_reason']}",
            recorded_at=envelope["recorded_at"].isoformat(),
        )
    return AgencyFact(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        subjects=subjects,
        entry=_entry(record, _ATTENDANCE_KINDS[event], summary, details),
        professionals=professionals,
        update=_ATTENDANCE_UPDATE if event == "UPDATED" else None,
        withdrawal=withdrawal,
    )


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
    "EmergencyAttendance": _emergency_attendance,
    "DomesticAbuseNotification": _domestic_abuse,
    "SchoolAbsence": _school_absence,
    "PupilOnRoll": _pupil_on_roll,
    "ChildProtectionPlanStatus": _plan_status,
}
