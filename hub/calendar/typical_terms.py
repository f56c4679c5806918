"""Which days are school days in a typical English year, when no term dates are given.

Holidays are approximated the same way every year: summer (22 July to 2 September),
Christmas (20 December to 3 January), two weeks from Good Friday, and half-term weeks in
late October, mid February and late May. The synthetic generator takes registers on
these days, and the hub uses them when a local authority's term dates are not configured.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=4)


def typical_holidays(year: int) -> list[tuple[date, date]]:
    """The holiday ranges of ``year``, both ends included."""
    easter_sunday = easter(year)
    last_may_monday = date(year, 5, 31) - timedelta(days=date(year, 5, 31).weekday())
    return [
        (date(year, 1, 1), date(year, 1, 3)),
        _week_of(date(year, 2, 16)),
        (easter_sunday - timedelta(days=2), easter_sunday + timedelta(days=12)),
        (last_may_monday, last_may_monday + timedelta(days=4)),
        (date(year, 7, 22), date(year, 9, 2)),
        _week_of(date(year, 10, 27)),
        (date(year, 12, 20), date(year, 12, 31)),
    ]


def is_typical_school_day(day: date) -> bool:
    """True if schools in England would usually take registers on ``day``."""
    if day.weekday() >= 5:
        return False
    return not any(first <= day <= last for first, last in typical_holidays(day.year))
