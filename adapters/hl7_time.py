"""HL7 v2.5.1 date and time values (DTM, the first component of TS) read exactly.

A DTM is ``YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]``: any precision from the year
to a ten-thousandth of a second, and an optional offset from UTC. The instant it states is
the start of the period it names (``2006070509`` is 09:00:00 on 5 July 2006). With an
offset, the offset is applied; without one, HL7 says the time is the sender's local time,
so it is read in the sending facility's time zone. A local time that did not exist there
(the hour the clocks go forward) or that happened twice (the hour they go back) cannot be
read without an offset and is refused. Anything else that is not a DTM is refused with the
reason; nothing is guessed, truncated or padded.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from adapters.records import FieldError

DEFAULT_TIME_ZONE = "Europe/London"

_DTM = re.compile(
    r"(?P<year>\d{4})"
    r"(?:(?P<month>\d{2})"
    r"(?:(?P<day>\d{2})"
    r"(?:(?P<hour>\d{2})"
    r"(?:(?P<minute>\d{2})"
    r"(?:(?P<second>\d{2})"
    r"(?:\.(?P<fraction>\d{1,4}))?"
    r")?)?)?)?)?"
    r"(?P<offset>[+-]\d{4})?"
)
_DATE = re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")


def time_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or ``ValueError`` saying it is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r} (an IANA name such as Europe/London)"
        ) from None


def parse_dtm(field_name: str, text: str, zone: ZoneInfo) -> datetime:
    """The aware UTC instant a DTM states; ``FieldError`` naming the field if it is not one."""
    match = _DTM.fullmatch(text)
    if match is None:
        raise FieldError(
            field_name,
            f"not an HL7 date-time (YYYY[MM[DD[HH[MM[SS[.S{{1,4}}]]]]]][+/-ZZZZ]): {text!r}",
        )
    parts = match.groupdict()
    fraction = parts["fraction"] or ""
    try:
        naive = datetime(
            int(parts["year"]),
            int(parts["month"] or 1),
            int(parts["day"] or 1),
            int(parts["hour"] or 0),
            int(parts["minute"] or 0),
            int(parts["second"] or 0),
            int(fraction.ljust(6, "0")) if fraction else 0,
        )
    except ValueError as error:
        raise FieldError(field_name, f"not a real date-time ({error}): {text!r}") from None
    offset = parts["offset"]
    if offset is not None:
        return naive.replace(tzinfo=_offset(field_name, offset, text)).astimezone(UTC)
    return _local(field_name, naive, zone, text)


def parse_date(field_name: str, text: str) -> date:
    """A DT (``YYYYMMDD``); a date of birth sent as a DTM keeps only its date (HL7 allows it)."""
    head = _DATE.match(text)
    if head is None:
        raise FieldError(field_name, f"not an HL7 date (YYYYMMDD): {text!r}")
    rest = text[8:]
    if rest and _DTM.fullmatch("2000" + "01" + "01" + rest) is None:
        raise FieldError(field_name, f"not an HL7 date (YYYYMMDD[HHMM...]): {text!r}")
    try:
        return date(int(head["year"]), int(head["month"]), int(head["day"]))
    except ValueError as error:
        raise FieldError(field_name, f"not a real date ({error}): {text!r}") from None


def _offset(field_name: str, offset: str, text: str) -> timezone:
    sign = -1 if offset[0] == "-" else 1
    hours, minutes = int(offset[1:3]), int(offset[3:5])
    if minutes >= 60 or hours > 14 or (hours == 14 and minutes):
        raise FieldError(field_name, f"offset {offset} is not a UTC offset: {text!r}")
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _local(field_name: str, naive: datetime, zone: ZoneInfo, text: str) -> datetime:
    """``naive`` as a wall-clock time in ``zone``; refused if that time was skipped or doubled."""
    earlier = naive.replace(tzinfo=zone, fold=0)
    later = naive.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() != later.utcoffset():
        # fold only changes the offset when the wall-clock time is in a gap or an overlap.
        round_trip = earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
        what = "happened twice" if round_trip == naive else "did not exist"
        raise FieldError(
            field_name,
            f"local time {text!r} {what} in {zone.key} (clocks changed); send it with an offset",
        )
    return earlier.astimezone(UTC)
