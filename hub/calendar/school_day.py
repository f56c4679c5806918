"""When the next school day starts, for Operation Encompass notices (P4).

A school's designated safeguarding lead must be told of a police-attended domestic
abuse incident before the start of the next school day. ``next_school_day_start``
gives that deadline for a notification arriving at any instant: weekends, bank
holidays in England and the local authority's holiday ranges (half terms, INSET
days) are skipped, and the start time is wall-clock time in the local area's time
zone (``SchoolCalendar.zone``, England's by default), so it is 08:45 GMT in winter and
08:45 BST in summer. The day an incident happened on is its date in that zone too
(``SchoolCalendar.local_date``): a police incident at 00:30 BST on a Monday happened on
the Monday, although it was still Sunday in UTC.

Term dates differ between local authorities, so holidays are configuration:
``SchoolCalendar.from_toml``, ``from_csv``/``from_rows``, or ``from_typical_terms`` for
the approximate English terms of ``hub.calendar.typical_terms`` (which the synthetic
generator also uses).
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from holidays import country_holidays

from hub.calendar.typical_terms import is_typical_school_day

ENGLAND = ZoneInfo("Europe/London")
DEFAULT_SCHOOL_DAY_START = time(8, 45)
_SEARCH_LIMIT_DAYS = 2 * 366


@cache
def england_bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays in England and Wales in ``year`` that fall on weekdays.

    From the ``holidays`` package, which keeps the proclaimed one-off days (a
    jubilee, a coronation, a state funeral) and moved days that no rule predicts.
    A Christmas Day at a weekend is left out: its weekday substitute is in.
    """
    found = country_holidays("GB", subdiv="ENG", years=year)
    return frozenset(day for day in found if day.weekday() < 5)


def is_england_bank_holiday(day: date) -> bool:
    """True if ``day`` is a bank holiday in England and Wales."""
    return day in england_bank_holidays(day.year)


@dataclass(frozen=True)
class HolidayRange:
    """Consecutive days without school, both ends included (an INSET day: first == last)."""

    first: date
    last: date
    label: str = ""

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"holiday {self.label!r} ends before it starts: {self.last}")

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class SchoolCalendar:
    """School days: weekdays that are neither in a holiday range nor an England bank holiday."""

    holidays: tuple[HolidayRange, ...] = ()
    day_start: time = DEFAULT_SCHOOL_DAY_START
    england_bank_holidays: bool = True
    zone: ZoneInfo = ENGLAND  # the local area's wall clock (``HUB_LOCAL_TIME_ZONE``)

    def is_school_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if self.england_bank_holidays and is_england_bank_holiday(day):
            return False
        return not any(holiday.covers(day) for holiday in self.holidays)

    def start_of(self, day: date) -> datetime:
        """The moment the school day ``day`` starts, in the local area's time."""
        return datetime.combine(day, self.day_start, tzinfo=self.zone)

    def local_date(self, instant: datetime) -> date:
        """The date ``instant`` falls on in the local area (not its UTC date)."""
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("instant must be timezone-aware")
        return instant.astimezone(self.zone).date()

    @classmethod
    def from_rows(
        cls,
        rows: Iterable[Mapping[str, Any]],
        *,
        day_start: time = DEFAULT_SCHOOL_DAY_START,
        england_bank_holidays: bool = True,
        zone: ZoneInfo = ENGLAND,
    ) -> SchoolCalendar:
        """Build from rows with ``first`` and ``last`` (ISO dates) and an optional ``label``."""
        holidays = tuple(
            HolidayRange(
                first=_as_date(row["first"]),
                last=_as_date(row["last"]),
                label=str(row.get("label") or ""),
            )
            for row in rows
        )
        return cls(holidays, day_start, england_bank_holidays, zone)

    @classmethod
    def from_csv(cls, text: str, **options: Any) -> SchoolCalendar:
        """Build from CSV text with a header row ``first,last,label``."""
        return cls.from_rows(csv.DictReader(io.StringIO(text)), **options)

    @classmethod
    def from_toml(cls, text: str) -> SchoolCalendar:
        """Build from a local authority's TOML term-dates file.

        ``day_start = "08:45"`` and ``england_bank_holidays = true`` are optional;
        each ``[[holidays]]`` table has ``first``, ``last`` (TOML dates or ISO
        strings) and an optional ``label``.
        """
        document = tomllib.loads(text)
        return cls.from_rows(
            document.get("holidays", []),
            day_start=time.fromisoformat(str(document.get("day_start", "08:45"))),
            england_bank_holidays=bool(document.get("england_bank_holidays", True)),
        )

    @classmethod
    def configured(
        cls,
        terms_file: Path | None,
        day_start: time | None,
        now: datetime,
        zone: ZoneInfo = ENGLAND,
    ) -> SchoolCalendar:
        """Term dates from ``terms_file`` (TOML), else typical English terms around ``now``.

        ``day_start`` (default 08:45) is when the school day starts, for the Operation
        Encompass deadlines; it overrides the file's. ``zone`` is the local area's.
        """
        start = day_start or DEFAULT_SCHOOL_DAY_START
        if terms_file is not None:
            calendar = cls.from_toml(terms_file.read_text(encoding="utf-8"))
            return replace(calendar, day_start=day_start or calendar.day_start, zone=zone)
        return cls.from_typical_terms(range(now.year - 2, now.year + 2), day_start=start, zone=zone)

    @classmethod
    def from_typical_terms(
        cls,
        years: Iterable[int],
        *,
        day_start: time = DEFAULT_SCHOOL_DAY_START,
        zone: ZoneInfo = ENGLAND,
    ) -> SchoolCalendar:
        """The approximate English holidays of a typical year, for ``years``."""
        holidays: list[HolidayRange] = []
        for year in sorted(set(years)):
            day, end = date(year, 1, 1), date(year, 12, 31)
            run_start: date | None = None
            while day <= end:
                closed = day.weekday() < 5 and not is_typical_school_day(day)
                if closed and run_start is None:
                    run_start = day
                elif not closed and day.weekday() < 5 and run_start is not None:
                    holidays.append(HolidayRange(run_start, _previous_weekday(day)))
                    run_start = None
                day += timedelta(days=1)
            if run_start is not None:
                holidays.append(HolidayRange(run_start, _previous_weekday(day)))
        return cls(tuple(holidays), day_start, zone=zone)


def _previous_weekday(day: date) -> date:
    day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day


def _as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value).strip())


def next_school_day_start(calendar: SchoolCalendar, instant: datetime) -> datetime:
    """The start of the first school day that has not started by ``instant``.

    On a school day before its start time that is the same day; otherwise the
    next school day after the instant's local date. The result is an aware
    datetime in the calendar's zone.
    """
    day = calendar.local_date(instant)
    local = instant.astimezone(calendar.zone)
    if calendar.is_school_day(day) and local < calendar.start_of(day):
        return calendar.start_of(day)
    for _ in range(_SEARCH_LIMIT_DAYS):
        day += timedelta(days=1)
        if calendar.is_school_day(day):
            return calendar.start_of(day)
    raise ValueError(f"no school day within {_SEARCH_LIMIT_DAYS} days of {local.date()}")
