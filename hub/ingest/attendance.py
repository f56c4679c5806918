"""Translating A&E attendances (``EmergencyAttendance``) into agency facts.

Arrivals and discharges (each replacing earlier ones of its attendance: a correction),
updates, cancellations, and the envelope's times to the microsecond (v4).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hub.application.facts import AgencyFact
from hub.domain.withdrawal import Update, Withdrawal
from hub.ingest.entries import TranslationError, entry, iso, single_subject, words

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
# An arrival or a discharge replaces those of its attendance the agency recorded before it
# (a corrected registration, a discharge after a cancelled one); they are kept, superseded.
_REPLACES = {
    "REGISTERED": "corrected: a later arrival record for the same attendance",
    "DISCHARGED": "corrected: a later discharge record for the same attendance",
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


def emergency_attendance(record: dict[str, Any]) -> AgencyFact:
    record = _exact_times(record)
    event = record["attendance_event"]
    subjects = single_subject(record)
    if record.get("multiple_birth"):  # HL7 PID-24 (v2 of the schema)
        subjects = tuple(
            replace(s, demographics=replace(s.demographics, multiple_birth=True)) for s in subjects
        )
    flags = [label for name, label in _ATTENDANCE_FLAGS if record[name]]
    site_type = record["site_type"]
    place = record["site_name"] + (f" ({words(site_type)})" if site_type else "")
    category = record["attendance_category"]
    if event == "REGISTERED":
        summary = f"Arrived at {place}" + (f"; {words(category)} attendance" if category else "")
    elif event == "UPDATED":
        summary = f"Attendance at {place} updated"
    elif event == "DISCHARGED":
        summary = f"Discharged from {place}: {words(record['discharge_status'] or 'unknown')}"
    else:
        what = "arrival" if event == "REGISTRATION_CANCELLED" else "discharge"
        summary = f"Cancelled {what} at {place}: {record['cancellation_reason']}"
    if flags and event in ("REGISTERED", "UPDATED", "DISCHARGED"):
        summary += "; " + "; ".join(flags)
    details = {
        "site_code": record["site_code"],
        "site_type": site_type,
        "attendance_reference": record["attendance_reference"],
        "arrival_time": iso(record["arrival_time"]),
        "attendance_category": category,
        **{name: record[name] for name, _ in _ATTENDANCE_FLAGS},
        "discharge_status": record["discharge_status"],
        "discharge_time": iso(record["discharge_time"]),
    }
    professionals: dict[str, dict[str, str | None]] = {}
    if record["registered_gp_practice"]:
        professionals["gp_practice"] = {
            "code": record["registered_gp_practice"],
            "name": record["registered_gp_practice_name"],
        }
    envelope = record["envelope"]
    withdrawal = replaces = None
    if event in _CANCELS:
        withdrawal = _withdrawal(
            record, _CANCELS[event], f"{words(event)}: {record['cancellation_reason']}"
        )
    elif event in _REPLACES:
        kind = _ATTENDANCE_KINDS[event]
        replaces = _withdrawal(record, (kind,), _REPLACES[event], correction=True)
    return AgencyFact(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        subjects=subjects,
        entry=entry(record, _ATTENDANCE_KINDS[event], summary, details),
        professionals=professionals,
        update=_ATTENDANCE_UPDATE if event == "UPDATED" else None,
        withdrawal=withdrawal,
        replaces=replaces,
    )


def _withdrawal(
    record: dict[str, Any], kinds: tuple[str, ...], reason: str, *, correction: bool = False
) -> Withdrawal:
    """What the record withdraws of its attendance: by a cancellation, or by replacing it."""
    envelope = record["envelope"]
    return Withdrawal(
        event_id=str(envelope["event_id"]),
        agency=envelope["source_agency"],
        source_organisation=envelope["source_organisation"],
        source_reference=envelope["record_reference"],
        detail="attendance_reference",
        value=record["attendance_reference"],
        kinds=kinds,
        reason=reason,
        recorded_at=envelope["recorded_at"].isoformat(),
        correction=correction,
    )
