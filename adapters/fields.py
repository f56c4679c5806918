"""Field parsing and validation shared by the adapters; every failure is a ``FieldError``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from adapters import hl7_time
from adapters.records import FieldError
from hub.domain.identifiers import nhs_number_is_valid, normalise_nhs_number, upn_is_valid

# Clocks at agencies drift; a few minutes ahead is tolerated, anything more is an error.
CLOCK_SKEW = timedelta(minutes=5)


def required(field_name: str, value: str | None) -> str:
    if value is None or not value.strip():
        raise FieldError(field_name, "required field is missing")
    return value.strip()


def optional(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    return value.strip()


def nhs_number(field_name: str, value: str | None) -> str | None:
    text = optional(value)
    if text is None:
        return None
    digits = normalise_nhs_number(text)
    if not nhs_number_is_valid(digits):
        raise FieldError(field_name, f"NHS number {_mask(digits)} fails the modulus-11 check")
    return digits


def unique_pupil_number(field_name: str, value: str | None) -> str | None:
    text = optional(value)
    if text is None:
        return None
    upn = text.upper()
    if not upn_is_valid(upn):
        raise FieldError(field_name, "not a valid unique pupil number (check letter + 12 digits)")
    return upn


def iso_date(field_name: str, value: str | None, *, now: datetime) -> date:
    text = required(field_name, value)
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise FieldError(field_name, f"not a date (YYYY-MM-DD): {text!r}") from None
    return not_in_future_date(field_name, parsed, now=now)


def iso_datetime(field_name: str, value: str | None, *, now: datetime) -> datetime:
    text = required(field_name, value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FieldError(field_name, f"not an ISO 8601 date-time: {text!r}") from None
    if parsed.tzinfo is None:
        raise FieldError(field_name, f"date-time has no UTC offset: {text!r}")
    return not_in_future(field_name, parsed.astimezone(UTC), now=now)


def beyond_millisecond(value: str | None) -> str | None:
    """The digits of a second a millisecond timestamp cannot carry, if an ISO text has any.

    Police, school and social care feeds carry times to the millisecond (Avro
    ``timestamp-millis``); a finer time is published to the millisecond and the
    adapter says so in a notice instead of cutting it in silence.
    """
    try:
        parsed = datetime.fromisoformat((value or "").strip())
    except ValueError:
        return None
    if parsed.microsecond % 1000 == 0:
        return None
    return f"{parsed.microsecond:06d}"[3:].rstrip("0")


def millisecond_notice_reason(dropped: str) -> str:
    return (
        "published to the millisecond: the format carries milliseconds, so the "
        f"further digits of the second (...{dropped}) were dropped"
    )


def hl7_date(field_name: str, value: str | None, *, now: datetime) -> date:
    """An HL7 DT (``YYYYMMDD``, or a DTM whose date is taken), not in the future."""
    parsed = hl7_time.parse_date(field_name, required(field_name, value))
    return not_in_future_date(field_name, parsed, now=now)


def hl7_datetime(field_name: str, value: str | None, *, now: datetime, zone: ZoneInfo) -> datetime:
    """An HL7 DTM of any precision, as the UTC instant it states (``adapters.hl7_time``)."""
    parsed = hl7_time.parse_dtm(field_name, required(field_name, value), zone)
    return not_in_future(field_name, parsed, now=now)


def not_in_future(field_name: str, value: datetime, *, now: datetime) -> datetime:
    if value > now + CLOCK_SKEW:
        raise FieldError(field_name, f"date-time {value.isoformat()} is in the future")
    return value


def not_in_future_date(field_name: str, value: date, *, now: datetime) -> date:
    if value > (now + CLOCK_SKEW).date():
        raise FieldError(field_name, f"date {value.isoformat()} is in the future")
    return value


def one_of(field_name: str, value: str | None, allowed: dict[str, str]) -> str:
    text = required(field_name, value)
    try:
        return allowed[text]
    except KeyError:
        choices = ", ".join(sorted(allowed))
        raise FieldError(field_name, f"{text!r} is not one of: {choices}") from None


def yes_no(field_name: str, value: str | None) -> bool:
    return one_of(field_name, value, {"Y": "Y", "N": "N"}) == "Y"


def non_negative_int(field_name: str, value: str | None) -> int | None:
    text = optional(value)
    if text is None:
        return None
    if not text.isdigit():
        raise FieldError(field_name, f"not a whole number: {text!r}")
    return int(text)


def _mask(digits: str) -> str:
    """Show only the last three digits of an identifier in a report that may be logged."""
    return "*" * max(len(digits) - 3, 0) + digits[-3:]
