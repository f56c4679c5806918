"""Which days are school days: weekdays outside the usual English school holidays.

The holidays are the hub's typical English terms (``hub.calendar.typical_terms``).
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

from hub.calendar.typical_terms import is_typical_school_day


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar."""
    return easter(year)


def is_school_day(day: date) -> bool:
    """True if schools in England would take registers on ``day``."""
    return is_typical_school_day(day)


def school_days_before(day: date, count: int) -> list[date]:
    """The ``count`` school days before ``day``, oldest first."""
    found: list[date] = []
    current = day
    while len(found) < count:
        current -= timedelta(days=1)
        if is_school_day(current):
            found.append(current)
    return found[::-1]
