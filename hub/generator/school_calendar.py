"""Which days are school days: weekdays outside the usual English school holidays.

Holidays are approximated the same way every year: summer (22 July to 2 September),
Christmas (20 December to 3 January), two weeks from Good Friday, and half-term weeks in
late October, mid February and late May.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter


def easter_sunday(year: int) -> date:
    """Easter Sunday in the Gregorian calendar."""
    return easter(year)


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


def _holidays(year: int) -> list[tuple[date, date]]:
    easter = easter_sunday(year)
    last_may_monday = date(year, 5, 31) - timedelta(days=date(year, 5, 31).weekday())
    return [
        (date(year, 1, 1), date(year, 1, 3)),
        _week_of(date(year, 2, 16)),
        (easter - timedelta(days=2), easter + timedelta(days=12)),
        (last_may_monday, last_may_monday + timedelta(days=4)),
        (date(year, 7, 22), date(year, 9, 2)),
        _week_of(date(year, 10, 27)),
        (date(year, 12, 20), date(year, 12, 31)),
    ]


def is_school_day(day: date) -> bool:
    """True if schools in England would take registers on ``day``."""
    if day.weekday() >= 5:
        return False
    return not any(first <= day <= last for first, last in _holidays(day.year))


def school_days_before(day: date, count: int) -> list[date]:
    """The ``count`` school days before ``day``, oldest first."""
    found: list[date] = []
    current = day
    while len(found) < count:
        current -= timedelta(days=1)
        if is_school_day(current):
            found.append(current)
    return found[::-1]
