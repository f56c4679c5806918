"""P4: Operation Encompass notices reach the school before the next school day starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.calendar.school_day import (
    HolidayRange,
    SchoolCalendar,
    england_bank_holidays,
    next_school_day_start,
)
from synthetic.school_calendar import is_school_day as generator_is_school_day
from tests.fixtures.helpers import london

TERM_DATES_TOML = """
day_start = "08:45"

[[holidays]]
label = "Easter"
first = 2026-04-03
last = 2026-04-17

[[holidays]]
label = "Autumn half term"
first = 2026-10-26
last = 2026-10-30

[[holidays]]
label = "Christmas"
first = 2026-12-21
last = 2027-01-01

[[holidays]]
label = "INSET day"
first = "2027-01-04"
last = "2027-01-04"
"""

CALENDAR = SchoolCalendar.from_toml(TERM_DATES_TOML)
NO_TERMS = SchoolCalendar()


def test_friday_evening_is_due_monday_morning() -> None:
    """P4: a notice at 19:30 on Friday is due at 08:45 on Monday."""
    due = next_school_day_start(CALENDAR, london(2026, 11, 20, 19, 30))
    assert due == london(2026, 11, 23, 8, 45)


def test_saturday_is_due_monday_morning() -> None:
    """P4: a notice on Saturday is due at the start of Monday."""
    assert next_school_day_start(CALENDAR, london(2026, 11, 21, 11)) == london(2026, 11, 23, 8, 45)


def test_school_day_before_the_start_is_due_the_same_morning() -> None:
    """P4: a notice at 07:00 on a school day is due at 08:45 that day."""
    assert next_school_day_start(CALENDAR, london(2026, 11, 24, 7)) == london(2026, 11, 24, 8, 45)


def test_school_day_after_the_start_is_due_the_next_morning() -> None:
    """P4: once the school day has started (08:45 included) the next school day is meant."""
    for arrival in (london(2026, 11, 24, 8, 45), london(2026, 11, 24, 13)):
        assert next_school_day_start(CALENDAR, arrival) == london(2026, 11, 25, 8, 45)


def test_half_term_is_due_the_first_day_back() -> None:
    """P4: a notice during half term is due on the first day back."""
    due = next_school_day_start(CALENDAR, london(2026, 10, 28, 12))
    assert due == london(2026, 11, 2, 8, 45)


def test_last_day_of_term_skips_the_holiday_and_an_inset_day() -> None:
    """P4: after the start of the last day of term, the first teaching day back is meant."""
    due = next_school_day_start(CALENDAR, london(2026, 12, 18, 16))
    assert due == london(2027, 1, 5, 8, 45)


def test_spring_forward_weekend_gives_monday_in_bst() -> None:
    """P4: Friday 19:30 GMT before the clocks go forward is due 08:45 BST, 07:45 UTC."""
    due = next_school_day_start(CALENDAR, london(2026, 3, 27, 19, 30))
    assert due == datetime(2026, 3, 30, 7, 45, tzinfo=UTC)
    assert due.utcoffset() == timedelta(hours=1)


def test_fall_back_weekend_gives_monday_in_gmt() -> None:
    """P4: Friday evening BST before the clocks go back is due 08:45 GMT, 08:45 UTC."""
    due = next_school_day_start(NO_TERMS, london(2026, 10, 23, 20))
    assert due == datetime(2026, 10, 26, 8, 45, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_instants_in_utc_are_read_as_local_time() -> None:
    """P4: 23:30 UTC in July is already 00:30 the next day in England, before its start."""
    due = next_school_day_start(NO_TERMS, datetime(2026, 7, 1, 23, 30, tzinfo=UTC))
    assert due == london(2026, 7, 2, 8, 45)


def test_bank_holiday_monday_is_skipped() -> None:
    """P4: the early May bank holiday is not a school day, so Friday's notice is due Tuesday."""
    assert next_school_day_start(NO_TERMS, london(2026, 5, 1, 18)) == london(2026, 5, 5, 8, 45)


def test_naive_instants_are_refused() -> None:
    """A time without a zone could be GMT or BST: refuse it rather than guess."""
    with pytest.raises(ValueError, match="timezone-aware"):
        next_school_day_start(CALENDAR, datetime(2026, 11, 20, 19, 30))


def test_csv_rows_give_the_same_calendar_and_a_custom_start() -> None:
    """Term dates can come from CSV rows, with the school-day start configured."""
    text = "first,last,label\n2026-10-26,2026-10-30,Autumn half term\n"
    calendar = SchoolCalendar.from_csv(text, day_start=time(8, 30))
    assert calendar.holidays == (
        HolidayRange(date(2026, 10, 26), date(2026, 10, 30), "Autumn half term"),
    )
    assert next_school_day_start(calendar, london(2026, 10, 28, 9)) == london(2026, 11, 2, 8, 30)


def test_backwards_holiday_range_is_refused() -> None:
    """A holiday that ends before it starts is a typing error in the term dates."""
    with pytest.raises(ValueError, match="ends before it starts"):
        SchoolCalendar.from_rows([{"first": "2026-10-30", "last": "2026-10-26"}])


def test_generator_calendar_matches_the_generator() -> None:
    """from_typical_terms closes exactly the weekdays the generator closes, plus bank holidays."""
    calendar = SchoolCalendar.from_typical_terms([2026])
    day = date(2026, 1, 1)
    while day.year == 2026:
        expected = generator_is_school_day(day) and day not in england_bank_holidays(2026)
        assert calendar.is_school_day(day) == expected, day
        day += timedelta(days=1)


def test_generator_summer_holiday_is_skipped() -> None:
    """With the generator's term dates, the last day of the summer term leads to September."""
    calendar = SchoolCalendar.from_typical_terms([2026])
    assert next_school_day_start(calendar, london(2026, 7, 21, 16)) == london(2026, 9, 3, 8, 45)


def test_england_bank_holidays_include_weekend_substitutes() -> None:
    """2026: Boxing Day is a Saturday, so Monday 28 December is the substitute."""
    assert england_bank_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }


def test_proclaimed_one_off_bank_holidays_are_known() -> None:
    """2022: the spring bank holiday moved to 2 June and 3 June and 19 September were added."""
    holidays = england_bank_holidays(2022)
    assert {date(2022, 6, 2), date(2022, 6, 3), date(2022, 9, 19)} <= holidays
    assert date(2022, 5, 30) not in holidays


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        # British Summer Time: 00:30 BST on Monday is 23:30 UTC on the Sunday.
        (datetime(2026, 6, 14, 23, 30, tzinfo=UTC), date(2026, 6, 15)),
        # The night the clocks go forward (29 March 2026, 01:00 GMT -> 02:00 BST).
        (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 28)),
        # The night the clocks go back (25 October 2026, 02:00 BST -> 01:00 GMT).
        (datetime(2026, 10, 24, 23, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 26, 0, 30, tzinfo=UTC), date(2026, 10, 26)),
    ],
)
def test_local_date_is_the_date_in_england_not_in_utc(instant: datetime, expected: date) -> None:
    """Around both clock changes, an instant's date is England's wall-clock date."""
    assert expected == NO_TERMS.local_date(instant)


def test_another_zone_moves_the_local_date_and_the_start() -> None:
    """A calendar in another zone takes dates and school-day starts in that zone."""
    new_york = SchoolCalendar(zone=ZoneInfo("America/New_York"))
    instant = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # Sunday 22:00 in New York
    assert (date(2026, 6, 14), datetime(2026, 6, 15, 8, 45, tzinfo=new_york.zone)) == (
        new_york.local_date(instant),
        next_school_day_start(new_york, instant),
    )
