"""Police adapter: domestic abuse notification JSON -> ``DomesticAbuseNotification``.

One event per incident, keyed by the household (UPRN): the hub links it to
every child of the household, so nobody re-enters it per child (requirement P3).
A key the format does not define, or a sensitivity label the policy does not,
is reported as a notice with its place; the notification is still published.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters import fields as f
from adapters import labels
from adapters.envelope import envelope, message_key, normalise_postcode, subject
from adapters.records import FieldError, Notice, OutboundEvent, ParsedExport, RejectedRecord

AGENCY = "POLICE"
SCHEMA = "DomesticAbuseNotification"

RISK_LEVELS = {"standard": "STANDARD", "medium": "MEDIUM", "high": "HIGH"}
RELATIONS = {
    "parent": "PARENT",
    "step-parent": "STEP_PARENT",
    "parent-partner": "PARENT_PARTNER",
    "ex-partner": "EX_PARTNER",
    "sibling": "SIBLING",
    "other-family": "OTHER_FAMILY",
    "other": "OTHER",
}
DOCUMENT_KEYS = frozenset({"force", "system", "exported_at", "notifications"})
NOTIFICATION_KEYS = frozenset(
    {
        "incident_reference",
        "incident_time",
        "recorded_time",
        "location",
        "risk_level",
        "perpetrator_relation",
        "children",
        "sensitivity_labels",
    }
)
LOCATION_KEYS = frozenset({"uprn", "address", "postcode"})
CHILD_KEYS = frozenset(
    {
        "person_reference",
        "nhs_number",
        "given_name",
        "family_name",
        "date_of_birth",
        "present",
        "resident",
        "voice",
    }
)


def parse_file(path: Path, *, now: datetime | None = None) -> ParsedExport:
    """Read one force export; each notification becomes an event or a rejection."""
    now = now or datetime.now(UTC)
    export = ParsedExport()
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        force = f.required("force", _text(document, "force"))
        system = f.required("system", _text(document, "system"))
        notifications = document["notifications"]
        if not isinstance(notifications, list):
            raise FieldError("notifications", "must be a list")
    except json.JSONDecodeError as error:
        export.rejected.append(
            RejectedRecord(
                str(path), f"line {error.lineno}", "(document)", f"not JSON: {error.msg}"
            )
        )
        return export
    except (KeyError, TypeError):
        export.rejected.append(
            RejectedRecord(str(path), "line 1", "notifications", "required field is missing")
        )
        return export
    except FieldError as error:
        export.rejected.append(RejectedRecord(str(path), "line 1", error.field_name, error.reason))
        return export
    if isinstance(document, dict):
        _unknown_keys(export, path, "line 1", "", document, DOCUMENT_KEYS)
    for index, notification in enumerate(notifications):
        location = f"notifications[{index}]"
        try:
            if not isinstance(notification, dict):
                raise FieldError("(notification)", "must be a JSON object")
            event = _event(notification, force, system, now=now)
            export.events.append(event)
            _notices(export, path, location, notification, event)
        except FieldError as error:
            reference = (
                notification.get("incident_reference") if isinstance(notification, dict) else None
            )
            export.rejected.append(
                RejectedRecord(str(path), location, error.field_name, error.reason, reference)
            )
    return export


def _event(item: dict[str, Any], force: str, system: str, *, now: datetime) -> OutboundEvent:
    reference = f.required("incident_reference", _text(item, "incident_reference"))
    incident_time = f.iso_datetime("incident_time", _text(item, "incident_time"), now=now)
    recorded_time = f.iso_datetime(
        "recorded_time", _text(item, "recorded_time") or _text(item, "incident_time"), now=now
    )
    location = item.get("location")
    if not isinstance(location, dict):
        raise FieldError("location", "required field is missing")
    uprn = f.optional(_text(location, "uprn"))
    postcode = f.optional(_text(location, "postcode"))
    if uprn is None and postcode is None:
        raise FieldError("location.uprn", "a UPRN or a postcode is needed to find the household")
    children = item.get("children")
    if not isinstance(children, list) or not children:
        raise FieldError("children", "a notification must name the children present or resident")
    household = subject(postcode=postcode, household_reference=uprn)
    record: dict[str, Any] = {
        "envelope": envelope(
            agency=AGENCY,
            source_system=system,
            source_organisation=force,
            record_reference=reference,
            occurred_at=incident_time,
            recorded_at=recorded_time,
            subject_fields=household,
            sensitivity_labels=labels.from_json(item.get("sensitivity_labels")),
        ),
        "incident_reference": reference,
        "incident_time": incident_time,
        "location": {
            "uprn": uprn,
            "address": f.optional(_text(location, "address")),
            "postcode": normalise_postcode(postcode),
        },
        "risk_level": f.one_of("risk_level", _text(item, "risk_level"), RISK_LEVELS),
        "perpetrator_relation": f.one_of(
            "perpetrator_relation", _text(item, "perpetrator_relation"), RELATIONS
        ),
        "children": [_child(child, i, now=now) for i, child in enumerate(children)],
    }
    key = f"uprn:{uprn}" if uprn else message_key(AGENCY, force, household)
    return OutboundEvent(SCHEMA, record, key)


def _notices(
    export: ParsedExport,
    path: Path,
    location: str,
    item: dict[str, Any],
    event: OutboundEvent,
) -> None:
    """Keys the format does not define, and labels the policy does not, as notices."""
    reference = event.record["incident_reference"]
    _unknown_keys(export, path, location, "", item, NOTIFICATION_KEYS, reference)
    _unknown_keys(export, path, location, "location.", item["location"], LOCATION_KEYS, reference)
    for index, child in enumerate(item["children"]):
        prefix = f"children[{index}]."
        _unknown_keys(export, path, location, prefix, child, CHILD_KEYS, reference)
    for label in labels.unknown(event.record["envelope"]["sensitivity_labels"]):
        export.notices.append(
            Notice(str(path), location, labels.FIELD, labels.unknown_reason(label), reference)
        )
    for name in ("incident_time", "recorded_time"):
        dropped = f.beyond_millisecond(_text(item, name))
        if dropped:
            export.notices.append(
                Notice(str(path), location, name, f.millisecond_notice_reason(dropped), reference)
            )


def _unknown_keys(
    export: ParsedExport,
    path: Path,
    location: str,
    prefix: str,
    item: dict[str, Any],
    known: frozenset[str],
    reference: str | None = None,
) -> None:
    for key in item:
        if key not in known:
            export.notices.append(
                Notice(
                    str(path),
                    location,
                    f"{prefix}{key}",
                    "unknown field: not part of this format; its value was not published",
                    reference,
                )
            )


def _child(child: Any, index: int, *, now: datetime) -> dict[str, Any]:
    prefix = f"children[{index}]"
    if not isinstance(child, dict):
        raise FieldError(prefix, "must be a JSON object")
    date_of_birth_text = f.optional(_text(child, "date_of_birth"))
    return {
        "person_reference": f.optional(_text(child, "person_reference")),
        "nhs_number": f.nhs_number(f"{prefix}.nhs_number", _text(child, "nhs_number")),
        "given_name": f.optional(_text(child, "given_name")),
        "family_name": f.optional(_text(child, "family_name")),
        "date_of_birth": (
            f.iso_date(f"{prefix}.date_of_birth", date_of_birth_text, now=now)
            if date_of_birth_text
            else None
        ),
        "present": _flag(child, "present", prefix),
        "resident": _flag(child, "resident", prefix),
        "voice": f.optional(_text(child, "voice")),
    }


def _flag(item: dict[str, Any], name: str, prefix: str) -> bool:
    value = item.get(name)
    if not isinstance(value, bool):
        raise FieldError(f"{prefix}.{name}", "must be true or false")
    return value


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(name, f"must be a string, not {type(value).__name__}")
    return value
