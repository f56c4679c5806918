"""Children's social care adapter: CP plan CSV export -> ``ChildProtectionPlanStatus``."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from adapters import fields as f
from adapters import labels
from adapters.csv_rows import read_export
from adapters.envelope import envelope, message_key, subject
from adapters.records import FieldError, OutboundEvent, ParsedExport
from hub.native_formats import CP_PLAN_COLUMNS, LABELS_COLUMN

AGENCY = "CHILDRENS_SOCIAL_CARE"
SCHEMA = "ChildProtectionPlanStatus"
SOURCE_SYSTEM = "LCS"

STATUS_EVENTS = {
    "plan-started": "PLAN_STARTED",
    "plan-reviewed": "PLAN_REVIEWED",
    "plan-ended": "PLAN_ENDED",
    "looked-after-started": "LOOKED_AFTER_STARTED",
    "looked-after-ended": "LOOKED_AFTER_ENDED",
    "unborn-plan-started": "UNBORN_PLAN_STARTED",
}
CATEGORIES = {
    "neglect": "NEGLECT",
    "physical": "PHYSICAL",
    "emotional": "EMOTIONAL",
    "sexual": "SEXUAL",
    "multiple": "MULTIPLE",
}
NEEDS_CATEGORY = {"PLAN_STARTED", "PLAN_REVIEWED", "UNBORN_PLAN_STARTED"}

COLUMNS = list(CP_PLAN_COLUMNS)


def parse_file(path: Path, *, now: datetime | None = None) -> ParsedExport:
    """Read a CP plan export; each row is an event or a rejection."""
    at = now or datetime.now(UTC)

    def handle(row: dict[str, str], export: ParsedExport) -> None:
        export.events.append(_event(row, now=at))

    return read_export(path, COLUMNS, handle, _reference_or_none)


def _event(row: dict[str, str], *, now: datetime) -> OutboundEvent:
    la_code = f.required("la_code", row["la_code"])
    child_reference = f.required("child_reference", row["child_reference"])
    status_event = f.one_of("status_event", row["status_event"], STATUS_EVENTS)
    event_date = f.iso_date("event_date", row["event_date"], now=now)
    category_text = f.optional(row["plan_category"])
    if status_event in NEEDS_CATEGORY and category_text is None:
        raise FieldError("plan_category", f"required for {row['status_event']}")
    category = f.one_of("plan_category", category_text, CATEGORIES) if category_text else None
    reference = f"{la_code}/{child_reference}/{row['status_event']}/{event_date.isoformat()}"
    unborn = status_event == "UNBORN_PLAN_STARTED"
    date_of_birth_text = f.optional(row["date_of_birth"])
    subject_fields = subject(
        nhs_number=f.nhs_number("nhs_number", row["nhs_number"]),
        unique_pupil_number=f.unique_pupil_number("upn", row["upn"]),
        local_id=child_reference,
        given_name=f.optional(row["given_name"]),
        family_name=f.optional(row["family_name"]),
        date_of_birth=(
            None
            if unborn and date_of_birth_text is None
            else f.iso_date("date_of_birth", date_of_birth_text, now=now)
        ),
        postcode=f.optional(row["postcode"]),
        household_reference=f.optional(row["uprn"]),
    )
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=SOURCE_SYSTEM,
            source_organisation=la_code,
            record_reference=reference,
            occurred_at=datetime.combine(event_date, time(9, 0), tzinfo=UTC),
            recorded_at=f.iso_datetime("recorded_at", row["recorded_at"], now=now),
            subject_fields=subject_fields,
            sensitivity_labels=labels.from_csv(row[LABELS_COLUMN]),
        ),
        "status_event": status_event,
        "event_date": event_date,
        "plan_category": category,
        "looked_after": f.yes_no("looked_after", row["looked_after"]),
        "responsible_authority": {
            "code": la_code,
            "name": f.required("la_name", row["la_name"]),
            "office_hours_phone": f.required("office_hours_phone", row["office_hours_phone"]),
            "out_of_hours_phone": f.required("out_of_hours_phone", row["out_of_hours_phone"]),
        },
        "lead_social_worker": f.optional(row["lead_social_worker"]),
        "lead_social_worker_email": f.optional(row["lead_social_worker_email"]),
        "team": f.optional(row["team"]),
    }
    return OutboundEvent(SCHEMA, record, message_key(AGENCY, la_code, subject_fields))


def _reference_or_none(row: dict[str, str]) -> str | None:
    parts = [
        row.get("la_code"),
        row.get("child_reference"),
        row.get("status_event"),
        row.get("event_date"),
    ]
    return "/".join(p or "" for p in parts) if all(parts) else None
