"""Building the common envelope: deterministic event ids and the Kafka key of the subject."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

# Namespace for event ids; fixed forever, since ids derived from it are stored downstream.
EVENT_ID_NAMESPACE = uuid.UUID("6f1d3c2e-8a4b-5c7d-9e0f-1a2b3c4d5e6f")


def event_id(agency: str, organisation: str, record_reference: str) -> uuid.UUID:
    """Same agency record, same id: re-sending a record is recognised, never duplicated."""
    return uuid.uuid5(EVENT_ID_NAMESPACE, f"{agency}/{organisation}/{record_reference}")


def subject(
    *,
    nhs_number: str | None = None,
    unique_pupil_number: str | None = None,
    local_id: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    date_of_birth: date | None = None,
    sex: str | None = None,
    postcode: str | None = None,
    household_reference: str | None = None,
) -> dict[str, Any]:
    return {
        "nhs_number": nhs_number,
        "unique_pupil_number": unique_pupil_number,
        "local_id": local_id,
        "given_name": given_name,
        "family_name": family_name,
        "date_of_birth": date_of_birth,
        "sex": sex,
        "postcode": normalise_postcode(postcode),
        "household_reference": household_reference,
    }


def envelope(
    *,
    agency: str,
    source_system: str,
    source_organisation: str,
    record_reference: str,
    occurred_at: datetime,
    recorded_at: datetime,
    subject_fields: dict[str, Any],
    sensitivity_labels: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "event_id": event_id(agency, source_organisation, record_reference),
        "source_agency": agency,
        "source_system": source_system,
        "source_organisation": source_organisation,
        "record_reference": record_reference,
        "occurred_at": occurred_at,
        "recorded_at": max(recorded_at, occurred_at),
        "subject": subject_fields,
        "sensitivity_labels": sorted(set(sensitivity_labels or [])),
    }


def message_key(agency: str, organisation: str, subject_fields: dict[str, Any]) -> str:
    """The subject's best identifier: NHS number, then UPN, then household, then local id."""
    if subject_fields.get("nhs_number"):
        return f"nhs:{subject_fields['nhs_number']}"
    if subject_fields.get("unique_pupil_number"):
        return f"upn:{subject_fields['unique_pupil_number']}"
    if subject_fields.get("household_reference") and not subject_fields.get("local_id"):
        return f"uprn:{subject_fields['household_reference']}"
    return f"local:{agency}:{organisation}:{subject_fields.get('local_id') or ''}"


def normalise_postcode(value: str | None) -> str | None:
    """Upper case with a single space before the inward code ("ls14ab" -> "LS1 4AB")."""
    if not value:
        return None
    compact = "".join(value.split()).upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"
