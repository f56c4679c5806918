"""School roll adapter: pupil-on-roll CSV (modelled on the DfE school census) -> ``PupilOnRoll``.

One event per pupil record: the hub learns each child's school without any
absence, and a record with a leaving date ends that school's link to the child
from that date. The register adapter (``adapters.school``) builds the same event
from present marks, with ``REGISTER`` evidence, through ``pupil_subject`` and
``on_roll_event`` here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from adapters import fields as f
from adapters import labels
from adapters.csv_rows import read_export
from adapters.envelope import envelope, message_key, subject
from adapters.records import FieldError, OutboundEvent, ParsedExport
from hub.native_formats import LABELS_COLUMN, SCHOOL_ROLL_COLUMNS

AGENCY = "SCHOOL"
SCHEMA = "PupilOnRoll"
SOURCE_SYSTEM = "MIS"
COLUMNS = list(SCHOOL_ROLL_COLUMNS)

# Census enrolment status codes.
ENROLMENT_STATUS = {
    "C": "CURRENT_SINGLE",
    "M": "CURRENT_MAIN_DUAL",
    "S": "CURRENT_SUBSIDIARY_DUAL",
    "G": "GUEST",
    "F": "CURRENT_FURTHER_EDUCATION",
    "O": "PREVIOUS",
}
# A roll record "happens" on its entry date (or leaving date) at the start of the day.
DAY_START = time(8, 0)


def parse_file(path: Path, *, now: datetime | None = None) -> ParsedExport:
    """Read a pupil-on-roll export; each row is an event or a rejection."""
    at = now or datetime.now(UTC)

    def handle(row: dict[str, str], export: ParsedExport) -> None:
        export.events.append(_event(row, now=at))

    return read_export(path, COLUMNS, handle, _reference_or_none)


def pupil_subject(row: dict[str, str], *, now: datetime) -> tuple[str, dict[str, Any]]:
    """(pupil reference: UPN, else local pupil id; subject) of a school CSV row."""
    upn = f.unique_pupil_number("upn", row["upn"])
    local_id = f.optional(row["local_pupil_id"])
    if upn is None and local_id is None:
        raise FieldError("upn", "a UPN or a local pupil id is required")
    fields = subject(
        unique_pupil_number=upn,
        local_id=local_id,
        given_name=f.optional(row["legal_forename"]),
        family_name=f.optional(row["legal_surname"]),
        date_of_birth=f.iso_date("date_of_birth", row["date_of_birth"], now=now),
        postcode=f.optional(row["postcode"]),
        household_reference=f.optional(row["uprn"]),
    )
    return str(upn or local_id), fields


def on_roll_event(
    *,
    urn: str,
    school_name: str,
    reference: str,
    occurred_at: datetime,
    recorded_at: datetime,
    subject_fields: dict[str, Any],
    sensitivity_labels: list[str],
    body: dict[str, Any],
) -> OutboundEvent:
    """A ``PupilOnRoll`` event; ``body`` holds evidence and the dates that evidence has."""
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=SOURCE_SYSTEM,
            source_organisation=urn,
            record_reference=reference,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            subject_fields=subject_fields,
            sensitivity_labels=sensitivity_labels,
        ),
        "school_urn": urn,
        "school_name": school_name,
        "former_upn": None,
        "entry_date": None,
        "leaving_date": None,
        "enrolment_status": None,
        "seen_on": None,
        **body,
    }
    return OutboundEvent(SCHEMA, record, message_key(AGENCY, urn, subject_fields))


def _event(row: dict[str, str], *, now: datetime) -> OutboundEvent:
    urn = f.required("school_urn", row["school_urn"])
    pupil, subject_fields = pupil_subject(row, now=now)
    former_upn = f.unique_pupil_number("former_upn", row["former_upn"])
    if former_upn is not None and former_upn == subject_fields["unique_pupil_number"]:
        raise FieldError("former_upn", "the same as the pupil's UPN")
    entry_date = _date("entry_date", row["entry_date"])
    leaving_text = f.optional(row["leaving_date"])
    leaving_date = _date("leaving_date", leaving_text) if leaving_text else None
    status = f.one_of("enrolment_status", row["enrolment_status"], ENROLMENT_STATUS)
    if leaving_date is not None and leaving_date < entry_date:
        raise FieldError("leaving_date", "before the entry date")
    if status == "PREVIOUS" and leaving_date is None:
        raise FieldError("leaving_date", "required for a previous pupil (enrolment status O)")
    reference = f"{urn}/{pupil}/{entry_date.isoformat()}"
    recorded_at = f.iso_datetime("recorded_at", row["recorded_at"], now=now)
    happened = entry_date
    if leaving_date is not None:
        reference += f"/left/{leaving_date.isoformat()}"
        happened = leaving_date
    return on_roll_event(
        urn=urn,
        school_name=f.required("school_name", row["school_name"]),
        reference=reference,
        # A date still ahead (an announced leaver) is recorded as of the export.
        occurred_at=min(datetime.combine(happened, DAY_START, tzinfo=UTC), recorded_at),
        recorded_at=recorded_at,
        subject_fields=subject_fields,
        sensitivity_labels=labels.from_csv(row[LABELS_COLUMN]),
        body={
            "evidence": "SCHOOL_ROLL",
            "former_upn": former_upn,
            "entry_date": entry_date,
            "leaving_date": leaving_date,
            "enrolment_status": status,
        },
    )


def _date(field_name: str, value: str | None) -> date:
    """A roll date; it may lie ahead (an admission arranged, a leaving date announced)."""
    text = f.required(field_name, value)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FieldError(field_name, f"not a date (YYYY-MM-DD): {text!r}") from None


def _reference_or_none(row: dict[str, str]) -> str | None:
    pupil = row.get("upn") or row.get("local_pupil_id")
    parts = [row.get("school_urn"), pupil, row.get("entry_date")]
    return "/".join(p or "" for p in parts) if all(parts) else None
