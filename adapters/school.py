"""Schools adapter: attendance register CSV -> ``SchoolAbsence`` per absence, and roll evidence.

A present mark (or approved educational activity) says the pupil is on the
school's roll that day: it becomes a ``PupilOnRoll`` event with ``REGISTER``
evidence, one per pupil, school and ISO week (record reference
``<urn>/<pupil>/on-roll/<ISO week>``), so a full register tells the hub who
attends without an event per mark; later marks of the same week are counted,
and the publish ledger knows the week's event was already sent. "Not required
to attend" codes are valid, counted and not published.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from adapters import fields as f
from adapters import labels
from adapters.csv_rows import read_export
from adapters.envelope import envelope, message_key
from adapters.records import FieldError, OutboundEvent, ParsedExport
from adapters.school_roll import on_roll_event, pupil_subject
from hub.native_formats import LABELS_COLUMN, SCHOOL_REGISTER_COLUMNS

AGENCY = "SCHOOL"
SCHEMA = "SchoolAbsence"
SOURCE_SYSTEM = "MIS"

PRESENT = {"/", "\\", "L"}
APPROVED_ACTIVITY = {"B", "D", "J", "K", "P", "V", "W"}
NOT_REQUIRED = {"X", "Z", "#"}
AUTHORISED = {"C", "C1", "C2", "E", "H", "I", "M", "Q", "R", "S", "T", "Y"}
UNAUTHORISED = {"G", "N", "O", "U"}
# Registers open at about these times; an absence "occurs" when the register is taken.
SESSION_START = {"AM": time(8, 45), "PM": time(13, 15)}

COLUMNS = list(SCHOOL_REGISTER_COLUMNS)


def parse_file(path: Path, *, now: datetime | None = None) -> ParsedExport:
    """Read a register export; each absence row is an event or a rejection."""
    at = now or datetime.now(UTC)
    weeks_seen: set[str] = set()

    def handle(row: dict[str, str], export: ParsedExport) -> None:
        code = row["attendance_code"].strip()
        absence_type = _absence_type(code)
        if absence_type is not None:
            export.events.append(_event(row, code, absence_type, now=at))
        elif code in PRESENT or code in APPROVED_ACTIVITY:
            event = _on_roll(row, now=at)
            if event.record["envelope"]["record_reference"] in weeks_seen:
                export.skip("on roll: the pupil's week is already in this file")
            else:
                weeks_seen.add(event.record["envelope"]["record_reference"])
                export.events.append(event)
        else:
            export.skip(f"not an absence ({_kind(code)})")

    return read_export(path, COLUMNS, handle, _reference_or_none)


def _absence_type(code: str) -> str | None:
    if code in AUTHORISED:
        return "AUTHORISED"
    if code in UNAUTHORISED:
        return "UNAUTHORISED"
    if code in PRESENT or code in APPROVED_ACTIVITY or code in NOT_REQUIRED:
        return None
    raise FieldError("attendance_code", f"{code!r} is not a DfE attendance code")


def _kind(code: str) -> str:
    if code in PRESENT:
        return "present"
    if code in APPROVED_ACTIVITY:
        return "approved educational activity"
    return "not required to attend"


def _on_roll(row: dict[str, str], *, now: datetime) -> OutboundEvent:
    """Roll evidence from a present mark: one event per pupil, school and ISO week."""
    urn = f.required("school_urn", row["school_urn"])
    pupil, subject_fields = pupil_subject(row, now=now)
    session_date = f.iso_date("session_date", row["session_date"], now=now)
    session = f.one_of("session", row["session"], {"AM": "AM", "PM": "PM"})
    year, week, _ = session_date.isocalendar()
    return on_roll_event(
        urn=urn,
        school_name=f.required("school_name", row["school_name"]),
        reference=f"{urn}/{pupil}/on-roll/{year}-W{week:02d}",
        occurred_at=datetime.combine(session_date, SESSION_START[session], tzinfo=UTC),
        recorded_at=f.iso_datetime("recorded_at", row["recorded_at"], now=now),
        subject_fields=subject_fields,
        sensitivity_labels=labels.from_csv(row[LABELS_COLUMN]),
        body={"evidence": "REGISTER", "seen_on": session_date},
    )


def _event(row: dict[str, str], code: str, absence_type: str, *, now: datetime) -> OutboundEvent:
    urn = f.required("school_urn", row["school_urn"])
    pupil, subject_fields = pupil_subject(row, now=now)
    session_date = f.iso_date("session_date", row["session_date"], now=now)
    session = f.one_of("session", row["session"], {"AM": "AM", "PM": "PM"})
    occurred_at = datetime.combine(session_date, SESSION_START[session], tzinfo=UTC)
    recorded_at = f.iso_datetime("recorded_at", row["recorded_at"], now=now)
    reference = f"{urn}/{pupil}/{session_date.isoformat()}/{session}/{code}"
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=SOURCE_SYSTEM,
            source_organisation=urn,
            record_reference=reference,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            subject_fields=subject_fields,
            sensitivity_labels=labels.from_csv(row[LABELS_COLUMN]),
        ),
        "school_urn": urn,
        "school_name": f.required("school_name", row["school_name"]),
        "session_date": session_date,
        "session": session,
        "attendance_code": code,
        "absence_type": absence_type,
        "consecutive_absences": f.non_negative_int(
            "consecutive_absences", row["consecutive_absences"]
        ),
    }
    return OutboundEvent(SCHEMA, record, message_key(AGENCY, urn, subject_fields))


def _reference_or_none(row: dict[str, str]) -> str | None:
    parts = [
        row.get("school_urn"),
        row.get("upn") or row.get("local_pupil_id"),
        row.get("session_date"),
        row.get("session"),
        row.get("attendance_code"),
    ]
    return "/".join(p or "" for p in parts) if all(parts) else None
