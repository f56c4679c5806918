"""What every translation shares: the envelope's subject, its keys, and the chronology entry."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hub.application.facts import SubjectRef
from hub.domain.chronology import ChronologyEntry
from hub.domain.identity import Demographics


class TranslationError(ValueError):
    """A decoded record is well-formed Avro but unusable (e.g. nobody to attach it to)."""

    reason = "invalid-field"


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def words(symbol: str) -> str:
    return symbol.replace("_", " ").lower()


def subject_keys(envelope: dict[str, Any]) -> tuple[str, ...]:
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


def demographics(subject: dict[str, Any]) -> Demographics:
    return Demographics(
        given_name=subject["given_name"],
        family_name=subject["family_name"],
        date_of_birth=iso(subject["date_of_birth"]),
        postcode=subject["postcode"],
        household_reference=subject["household_reference"],
        nhs_number=subject["nhs_number"],
    )


def entry(
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


def single_subject(record: dict[str, Any]) -> tuple[SubjectRef, ...]:
    envelope = record["envelope"]
    keys = subject_keys(envelope)
    found = demographics(envelope["subject"])
    if not keys and not found.date_of_birth:
        raise TranslationError("subject has no identifier and no date of birth")
    return (SubjectRef(keys=keys, demographics=found),)
