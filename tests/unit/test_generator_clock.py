"""Local time in England and the school calendar used by the generator."""

from __future__ import annotations

from datetime import UTC, date, datetime

from synthetic import clock
from synthetic.school_calendar import easter_sunday, is_school_day


def test_summer_dates_carry_the_bst_offset() -> None:
    """A July wall-clock time is written with +01:00."""
    assert clock.iso(clock.local(date(2026, 7, 1), 9 * 60)) == "2026-07-01T09:00:00+01:00"


def test_winter_dates_carry_the_gmt_offset() -> None:
    """A November wall-clock time is written with +00:00."""
    assert clock.iso(clock.local(date(2026, 11, 23), 9 * 60)) == "2026-11-23T09:00:00+00:00"


def test_hl7_times_carry_the_local_offset() -> None:
    """09:00 BST is written as local time with its offset, as HL7 v2.5.1 DTM allows."""
    assert "20260701090000+0100" == clock.hl7(clock.local(date(2026, 7, 1), 9 * 60))


def test_today_in_england_follows_local_midnight() -> None:
    """At 23:30 UTC in summer it is already the next day in England."""
    assert date(2026, 7, 2) == clock.today_in_england(datetime(2026, 7, 1, 23, 30, tzinfo=UTC))


def test_easter_2026() -> None:
    """Easter Sunday 2026 is 5 April."""
    assert date(2026, 4, 5) == easter_sunday(2026)


def test_weekends_are_not_school_days() -> None:
    """Saturday and Sunday have no registers."""
    assert (is_school_day(date(2026, 11, 21)), is_school_day(date(2026, 11, 22))) == (False, False)


def test_summer_holiday_is_not_a_school_day() -> None:
    """A weekday in August has no registers."""
    assert False is is_school_day(date(2026, 8, 12))


def test_ordinary_november_weekday_is_a_school_day() -> None:
    """A Monday in mid November is a school day."""
    assert True is is_school_day(date(2026, 11, 16))
