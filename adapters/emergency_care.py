"""A&E adapter: HL7 v2 ADT (A01/A04, A08, A03, A11, A13) -> ``EmergencyAttendance`` (v4).

MSH, EVN, PID, PD1 and PV1 are read by position with the standard data types (HD, CX,
XPN, XAD, XON, PL, TS); ``ZSG`` is our local Z-segment (docs/native-formats.md) and is
optional: without it the attendance carries no safeguarding flags. A ZSG-6 sensitivity
label the sharing policy does not define is a notice naming the ZSG line and ZSG-6, and
the message is still published with it, as in every format (``adapters.labels``: the hub
withholds every labelled detail until the policy defines it). Every date-time is
read exactly at its precision and offset (``adapters.hl7_time``); one without an offset
is the sending facility's local time, in the zone ``HUB_AE_TIME_ZONE`` names
(``Settings.ae_time_zone``, passed by ``hub publish``)
(``Europe/London`` by default).

Record references: ``<site>/<visit>/<trigger>/<digest>`` for every trigger, the digest
taken over the message without its control id and creation time (MSH-10, MSH-7). So an
identical re-send, even with a new control id, has the same reference and event id and
is recognised; a message that says anything else (a corrected arrival, a discharge
after a cancelled one, each distinct update) is a new record, published once. The hub
keeps the latest arrival and discharge of a visit active and the earlier ones marked
superseded (``hub.domain.withdrawal``).
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from adapters import fields as f
from adapters import labels
from adapters.envelope import envelope, message_key, subject
from adapters.hl7 import Hl7File, Hl7Message, read_file
from adapters.hl7_tables import (
    CATEGORIES,
    DISCHARGE_DISPOSITION,
    EMERGENCY_CLASS,
    EVENT_REASON,
    FINE_DISPOSITION,
    SEX,
    SITE_TYPES,
    TRIGGERS,
)
from adapters.hl7_time import DEFAULT_TIME_ZONE, time_zone
from adapters.records import FieldError, Notice, OutboundEvent, ParsedExport, RejectedRecord

AGENCY = "EMERGENCY_CARE"
SCHEMA = "EmergencyAttendance"
_VERSION = re.compile(r"2\.[3-9](\.\d+)?")
_SINGLE = ("MSH", "EVN", "PID", "PD1", "PV1", "ZSG")
LABELS_FIELD = "ZSG-6"
_UNIDENTIFYING = frozenset({"MSH-7", "MSH-10"})  # a re-send may change these, nothing else


def sending_time_zone() -> ZoneInfo:
    """The default sending facility's time zone (``Settings.ae_time_zone`` configures it)."""
    return time_zone(DEFAULT_TIME_ZONE)


def parse_file(
    path: Path, *, now: datetime | None = None, zone: ZoneInfo | None = None
) -> ParsedExport:
    """Read an HL7 file; every message becomes an event or a rejection, never nothing."""
    return parse_hl7(read_file(path.read_text(encoding="utf-8")), str(path), now=now, zone=zone)


def parse_hl7(
    hl7_file: Hl7File, source: str, *, now: datetime | None = None, zone: ZoneInfo | None = None
) -> ParsedExport:
    """Messages already split (a file, or one MLLP frame); rejections name ``source``."""
    now = now or datetime.now(UTC)
    zone = zone or sending_time_zone()
    export = ParsedExport()
    for line, problem in hl7_file.envelope_problems:
        export.rejected.append(
            RejectedRecord(source, f"line {line}", problem.field_name, problem.reason)
        )
    for message in hl7_file.messages:
        try:
            if message.problem is not None:
                raise message.problem
            event = _event(message, now=now, zone=zone)
        except FieldError as error:
            export.rejected.append(
                RejectedRecord(
                    file=source,
                    location=f"line {_line(message, error.field_name)}",
                    field=error.field_name,
                    reason=error.reason,
                    record_reference=_reference_or_none(message),
                )
            )
            continue
        export.events.append(event)
        reference = event.record["envelope"]["record_reference"]
        for label in labels.unknown(_labels(message)):
            export.notices.append(
                Notice(
                    source,
                    f"line {message.line_of('ZSG')}",
                    LABELS_FIELD,
                    labels.unknown_reason(label),
                    reference,
                )
            )
    return export


def _event(message: Hl7Message, *, now: datetime, zone: ZoneInfo) -> OutboundEvent:
    for segment_id in ("MSH", "EVN", "PID", "PV1"):
        message.require_segment(segment_id)
    message.require_single(*_SINGLE)
    trigger = _trigger(message)
    site_code = f.required("MSH-4", message.get("MSH-4", 1))
    visit = f.required("PV1-19", message.get("PV1-19", 1))
    patient_class = f.required("PV1-2", message.get("PV1-2"))
    if patient_class != EMERGENCY_CLASS:
        raise FieldError("PV1-2", f"patient class {patient_class!r} is not E (emergency)")

    def when(ref: str, text: str | None = None) -> datetime:
        value = message.get(ref, 1) if text is None else text
        return f.hl7_datetime(ref, value, now=now, zone=zone)

    attendance_event, _ = TRIGGERS[trigger]
    arrival = when("PV1-44")
    recorded_ref = "EVN-2" if message.get("EVN-2", 1) else "MSH-7"
    recorded_at = when(recorded_ref)
    occurred_ref = "EVN-6" if message.get("EVN-6", 1) else recorded_ref
    occurred_at = arrival if attendance_event == "REGISTERED" else when(occurred_ref)
    discharge_time = None
    if message.get("PV1-45", 1):
        discharge_time = when("PV1-45")
        if discharge_time < arrival:
            raise FieldError("PV1-45", "discharge time is before arrival time")
    if trigger == "A03":
        if discharge_time is None:
            raise FieldError("PV1-45", "required field is missing")
        occurred_at = discharge_time
    cancellation_reason = None
    if attendance_event.endswith("_CANCELLED"):
        code = f.optional(message.get("EVN-4", 1))
        cancellation_reason = (
            "no reason given" if code is None else f.one_of("EVN-4", code, EVENT_REASON)
        )

    nhs_number, local_id = _identifiers(message)
    subject_fields = subject(
        nhs_number=nhs_number,
        local_id=local_id,
        given_name=f.optional(message.get("PID-5", 2)),
        family_name=f.optional(message.get("PID-5", 1).split("&")[0]),
        date_of_birth=f.hl7_date("PID-7", message.get("PID-7", 1), now=now),
        sex=_sex(message),
        postcode=f.optional(message.get("PID-11", 5)),
    )
    zsg = message.has("ZSG")
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=f.required("MSH-3", message.get("MSH-3", 1)),
            source_organisation=site_code,
            record_reference=_reference(message, site_code, visit, trigger),
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            subject_fields=subject_fields,
            sensitivity_labels=_labels(message),
        ),
        "attendance_event": attendance_event,
        "trigger_event": trigger,
        "site_code": site_code,
        "site_name": f.optional(message.get("PV1-3", 9)) or site_code,
        "site_type": SITE_TYPES.get(message.get("PV1-3", 1)),
        "attendance_reference": visit,
        "arrival_time": arrival,
        "attendance_category": _category(message) if zsg else None,
        "injury": _flag(message, "ZSG-2"),
        "safeguarding_concern_raised": _flag(message, "ZSG-3"),
        "suspected_non_accidental_injury": _flag(message, "ZSG-4"),
        "examination_refused": _flag(message, "ZSG-5"),
        **_disposition(message),
        "discharge_time": discharge_time,
        "cancellation_reason": cancellation_reason,
        "registered_gp_practice": f.optional(message.get("PD1-3", 10)),
        "registered_gp_practice_name": f.optional(message.get("PD1-3", 1)),
        **_multiple_birth(message),
    }
    # The envelope's times are Avro milliseconds; these carry the microseconds HL7 may send.
    record["occurred_at_micros"] = record["envelope"]["occurred_at"]
    record["recorded_at_micros"] = record["envelope"]["recorded_at"]
    return OutboundEvent(SCHEMA, record, message_key(AGENCY, site_code, subject_fields))


def _trigger(message: Hl7Message) -> str:
    """MSH-9 is ``ADT^<trigger>[^<structure>]``; EVN-1, when sent, names the same trigger."""
    version = f.required("MSH-12", message.get("MSH-12", 1))
    if not _VERSION.fullmatch(version):
        raise FieldError("MSH-12", f"HL7 version {version!r} is not 2.3 or later")
    kind = message.get("MSH-9", 1)
    if kind != "ADT":
        raise FieldError("MSH-9", f"message type {kind!r} is not ADT")
    trigger = f.one_of("MSH-9", message.get("MSH-9", 2), {k: k for k in TRIGGERS})
    structure = message.get("MSH-9", 3)
    if structure and structure != TRIGGERS[trigger][1]:
        raise FieldError(
            "MSH-9", f"{trigger} has structure {TRIGGERS[trigger][1]}, not {structure}"
        )
    evn_trigger = message.get("EVN-1")
    if evn_trigger and evn_trigger != trigger:
        raise FieldError("EVN-1", f"{evn_trigger!r} does not match MSH-9 trigger {trigger}")
    return trigger


def _identifiers(message: Hl7Message) -> tuple[str | None, str | None]:
    """The NHS number (CX type NH, authority NHS; check digit verified) and a local id.

    Any other identifier type (MR, PI, PT, AN...) is a local id of the site; the medical
    record number is preferred, then the first other one, named with its type.
    """
    nhs_number: str | None = None
    local: dict[str, str] = {}
    for components in message.repetitions("PID-3"):
        value = components[0].strip()
        authority = components[3].split("&")[0] if len(components) > 3 else ""
        kind = components[4] if len(components) > 4 else ""
        if not value:
            continue
        if kind == "NH" and authority.upper() == "NHS":
            nhs_number = f.nhs_number("PID-3", value)
        elif kind:
            local.setdefault(kind, value)
        else:
            raise FieldError("PID-3", "identifier has no type (CX.5), e.g. MR, NH, PI")
    if not local and nhs_number is None:
        raise FieldError("PID-3", "no patient identifier")
    if "MR" in local:
        return nhs_number, local["MR"]
    if local:
        kind, value = next(iter(local.items()))
        return nhs_number, f"{kind}:{value}"
    return nhs_number, None


def _labels(message: Hl7Message) -> list[str]:
    """ZSG-6: one label per repetition (its first component), surrounding spaces ignored."""
    return [r[0].strip() for r in message.repetitions(LABELS_FIELD) if r[0].strip()]


def _sex(message: Hl7Message) -> str | None:
    text = f.optional(message.get("PID-8"))
    if text is None:
        return None
    if text not in SEX:
        raise FieldError("PID-8", f"{text!r} is not in HL7 table 0001 ({', '.join(SEX)})")
    return text


def _category(message: Hl7Message) -> str | None:
    text = f.optional(message.get("ZSG-1"))
    return None if text is None else f.one_of("ZSG-1", text, CATEGORIES)


def _flag(message: Hl7Message, ref: str) -> bool:
    """A ZSG flag: ``Y`` or ``N``; absent (no ZSG, or an empty field) is not flagged."""
    text = f.optional(message.get(ref))
    return False if text is None else f.yes_no(ref, text)


def _disposition(message: Hl7Message) -> dict[str, Any]:
    """PV1-36 from table 0112, refined by our ZSG-7 when sent."""
    code = f.optional(message.get("PV1-36"))
    status = None if code is None else f.one_of("PV1-36", code, DISCHARGE_DISPOSITION)
    fine = f.optional(message.get("ZSG-7"))
    if fine is not None:
        status = f.one_of("ZSG-7", fine, FINE_DISPOSITION)
    return {"discharge_status": status, "discharge_disposition_code": code}


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


def record_reference(message: Hl7Message) -> str:
    """The reference the adapter gives a readable message (the generator's ground truth)."""
    site, visit = message.get("MSH-4", 1), message.get("PV1-19", 1)
    return _reference(message, site, visit, message.get("MSH-9", 2))


def _reference(message: Hl7Message, site: str, visit: str, trigger: str) -> str:
    return f"{site}/{visit}/{trigger}/{_digest(message)}"


def _digest(message: Hl7Message) -> str:
    """What the message says, without what a re-send of it may change (MSH-7, MSH-10)."""
    d = message.delimiters
    parts = []
    for segment in message.segments:
        values = list(segment.fields)
        if values[0] == "MSH":
            for ref in _UNIDENTIFYING:
                index = int(ref.split("-")[1]) - 1
                if index < len(values):
                    values[index] = ""
        parts.append(d.field.join(values).rstrip(d.field))
    return hashlib.sha256("\r".join(parts).encode()).hexdigest()[:16]


def _line(message: Hl7Message, field_name: str) -> int:
    """The line of the segment a field belongs to (the message's first line otherwise)."""
    segment_id = field_name[:3]
    return message.line_of(segment_id) if segment_id.isalnum() else message.line


def _reference_or_none(message: Hl7Message) -> str | None:
    """The message's reference as far as it can be read, for the rejection report."""
    try:
        site, visit = message.get("MSH-4", 1), message.get("PV1-19", 1)
        trigger = message.get("MSH-9", 2)
    except FieldError:
        return None
    return f"{site}/{visit}/{trigger}" if site and visit and trigger else None
