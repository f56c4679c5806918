"""A&E adapter: HL7 v2 ADT A04 (registration) and A03 (discharge) -> ``EmergencyAttendance``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters import fields as f
from adapters.envelope import envelope, message_key, subject
from adapters.hl7 import Hl7Message, split_messages
from adapters.records import FieldError, OutboundEvent, ParsedExport, RejectedRecord

AGENCY = "EMERGENCY_CARE"
SCHEMA = "EmergencyAttendance"

TRIGGERS = {"A04": "REGISTERED", "A03": "DISCHARGED"}
SITE_TYPES = {"ED": "EMERGENCY_DEPARTMENT", "MIU": "MINOR_INJURY_UNIT", "WIC": "WALK_IN_CENTRE"}
CATEGORIES = {
    "first": "FIRST",
    "unplanned-follow-up": "UNPLANNED_FOLLOW_UP",
    "planned-follow-up": "PLANNED_FOLLOW_UP",
}
DISPOSITIONS = {
    "home": "HOME",
    "admitted": "ADMITTED",
    "transferred": "TRANSFERRED",
    "left-before-treatment": "LEFT_BEFORE_TREATMENT",
    "self-discharge": "SELF_DISCHARGE",
    "referred-to-social-care": "REFERRED_TO_SOCIAL_CARE",
}


def parse_file(path: Path, *, now: datetime | None = None) -> ParsedExport:
    """Read an HL7 batch; every message becomes an event or a rejection, never nothing."""
    now = now or datetime.now(UTC)
    export = ParsedExport()
    for message in split_messages(path.read_text(encoding="utf-8")):
        try:
            export.events.append(_event(message, now=now))
        except FieldError as error:
            export.rejected.append(
                RejectedRecord(
                    file=str(path),
                    location=f"line {message.line}",
                    field=error.field_name,
                    reason=error.reason,
                    record_reference=_reference_or_none(message),
                )
            )
    return export


def _event(message: Hl7Message, *, now: datetime) -> OutboundEvent:
    message.require_segment("MSH")
    message.require_segment("PID")
    message.require_segment("PV1")
    message.require_segment("ZSG")
    trigger = f.one_of("MSH-9", message.get("MSH-9", 2), {k: k for k in TRIGGERS})
    site_code = f.required("MSH-4", message.get("MSH-4"))
    visit = f.required("PV1-19", message.get("PV1-19"))
    reference = f"{site_code}/{visit}/{trigger}"

    nhs_number, mrn = _identifiers(message)
    arrival = f.hl7_datetime("PV1-44", message.get("PV1-44"), now=now)
    discharge_time = discharge_status = None
    occurred_at = arrival
    if trigger == "A03":
        discharge_time = f.hl7_datetime("PV1-45", message.get("PV1-45"), now=now)
        discharge_status = f.one_of("PV1-36", message.get("PV1-36"), DISPOSITIONS)
        if discharge_time < arrival:
            raise FieldError("PV1-45", "discharge time is before arrival time")
        occurred_at = discharge_time
    recorded_text = message.get("EVN-2") or message.get("MSH-7")
    recorded_at = f.hl7_datetime("EVN-2", recorded_text, now=now)

    date_of_birth = f.hl7_date("PID-7", message.get("PID-7"), now=now)
    subject_fields = subject(
        nhs_number=nhs_number,
        local_id=mrn,
        given_name=f.optional(message.get("PID-5", 2)),
        family_name=f.optional(message.get("PID-5", 1)),
        date_of_birth=date_of_birth,
        sex=f.optional(message.get("PID-8")),
        postcode=f.optional(message.get("PID-11", 5)),
    )
    labels = [label for label in message.get("ZSG-6").split("~") if label]
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=f.required("MSH-3", message.get("MSH-3")),
            source_organisation=site_code,
            record_reference=reference,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            subject_fields=subject_fields,
            sensitivity_labels=labels,
        ),
        "attendance_event": TRIGGERS[trigger],
        "site_code": site_code,
        "site_name": f.required("PV1-3.9", message.get("PV1-3", 9)),
        "site_type": f.one_of("PV1-3.1", message.get("PV1-3", 1), SITE_TYPES),
        "attendance_reference": visit,
        "arrival_time": arrival,
        "attendance_category": f.one_of("ZSG-1", message.get("ZSG-1"), CATEGORIES),
        "injury": f.yes_no("ZSG-2", message.get("ZSG-2")),
        "safeguarding_concern_raised": f.yes_no("ZSG-3", message.get("ZSG-3")),
        "suspected_non_accidental_injury": f.yes_no("ZSG-4", message.get("ZSG-4")),
        "examination_refused": f.yes_no("ZSG-5", message.get("ZSG-5")),
        "discharge_status": discharge_status,
        "discharge_time": discharge_time,
        "registered_gp_practice": f.optional(message.get("PD1-3", 3)),
        "registered_gp_practice_name": f.optional(message.get("PD1-3", 1)),
        **_multiple_birth(message),
    }
    return OutboundEvent(SCHEMA, record, message_key(AGENCY, site_code, subject_fields))


def _identifiers(message: Hl7Message) -> tuple[str | None, str]:
    """NHS number (optional, check digit verified) and the site's MRN (required) from PID-3."""
    nhs_number: str | None = None
    mrn: str | None = None
    for repetition in message.repetitions("PID-3"):
        components = repetition.split("^")
        value = components[0]
        kind = components[4] if len(components) > 4 else ""
        if kind == "NH":
            nhs_number = f.nhs_number("PID-3", value)
        elif kind == "MR":
            mrn = value
    return nhs_number, f.required("PID-3 (MR)", mrn)


def _multiple_birth(message: Hl7Message) -> dict[str, Any]:
    """PID-24 (Y/N, optional) and PID-25 (birth order, a positive number, optional)."""
    indicator = f.optional(message.get("PID-24"))
    multiple = None if indicator is None else f.yes_no("PID-24", indicator)
    order = f.non_negative_int("PID-25", message.get("PID-25"))
    if order == 0:
        raise FieldError("PID-25", "birth order starts at 1")
    if order is not None and multiple is False:
        raise FieldError("PID-25", "a birth order is given but PID-24 says not a multiple birth")
    return {"multiple_birth": multiple, "birth_order": order}


def _reference_or_none(message: Hl7Message) -> str | None:
    site, visit, trigger = message.get("MSH-4"), message.get("PV1-19"), message.get("MSH-9", 2)
    return f"{site}/{visit}/{trigger}" if site and visit and trigger else None
