"""Time in England: local (GMT/BST) wall-clock times, and the formats the feeds use.

CSV and JSON feeds carry local time with its offset (``+00:00`` or ``+01:00``), and HL7 the
same local time with its offset as HL7 writes it (``+0000`` or ``+0100``). British Summer
Time runs from 01:00 UTC on the last Sunday in March to 01:00 UTC on the last Sunday in
October.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache

GMT = timezone(timedelta(0))
BST = timezone(timedelta(hours=1))


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() + 1) % 7)


@cache
def _summer_time(year: int) -> tuple[datetime, datetime]:
    starts = datetime.combine(_last_sunday(year, 3), time(1), UTC)
    return starts, datetime.combine(_last_sunday(year, 10), time(1), UTC)


def is_summer_time(instant: datetime) -> bool:
    """True if British Summer Time is in force at the aware ``instant``."""
    utc = instant.astimezone(UTC)
    starts, ends = _summer_time(utc.year)
    return starts <= utc < ends


def local(day: date, minutes_after_midnight: float) -> datetime:
    """The aware local time ``minutes_after_midnight`` (may exceed a day) after ``day`` began."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minutes_after_midnight)
    as_gmt = naive.replace(tzinfo=GMT)
    if is_summer_time(as_gmt - timedelta(hours=1)):
        return naive.replace(tzinfo=BST)
    return as_gmt


def to_local(instant: datetime) -> datetime:
    """The same instant expressed in England's local offset."""
    utc = instant.astimezone(UTC)
    return utc.astimezone(BST if is_summer_time(utc) else GMT)


def local_date(instant: datetime) -> date:
    """The calendar date in England at ``instant``."""
    return to_local(instant).date()


def today_in_england(now: datetime | None = None) -> date:
    """Today's date in England (by the machine's clock unless ``now`` is given)."""
    return local_date(now or datetime.now(UTC))


def iso(instant: datetime) -> str:
    """ISO 8601 local time with offset, to the second: ``2026-11-23T08:15:00+00:00``."""
    return to_local(instant).replace(microsecond=0).isoformat()


def hl7(instant: datetime) -> str:
    """HL7 date-time in England's local time with its offset: ``YYYYMMDDHHMMSS+ZZZZ``."""
    return to_local(instant).strftime("%Y%m%d%H%M%S%z")
