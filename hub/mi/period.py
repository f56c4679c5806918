"""A report's period: whole local days, from the first day's midnight to the day after the last.

Figures depend on the period's bounds and the stores' recorded times only, never on when
the report runs, so a past period's report is the same when run again. The default is
the seven whole days before today; a period not yet over is marked provisional.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hub.domain.chronology import instant

DEFAULT_DAYS = 7


class PeriodError(ValueError):
    """The period asked for cannot be used (the message says why)."""


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    zone: ZoneInfo

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise PeriodError(f"the period ends ({self.last}) before it starts ({self.first})")

    @classmethod
    def between(cls, first: str | None, last: str | None, zone: ZoneInfo, today: date) -> Period:
        """From ``--from``/``--to`` (ISO dates, both included); by default the last 7 days."""
        try:
            end = date.fromisoformat(last) if last else today - timedelta(days=1)
            start = date.fromisoformat(first) if first else end - timedelta(days=DEFAULT_DAYS - 1)
        except ValueError as error:
            raise PeriodError(f"expected a date as YYYY-MM-DD: {error}") from None
        return cls(start, end, zone)

    @property
    def start(self) -> datetime:
        """The first instant of the period (UTC)."""
        return datetime.combine(self.first, time(), self.zone).astimezone(UTC)

    @property
    def end(self) -> datetime:
        """The first instant after the period (UTC)."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone).astimezone(UTC)

    def holds(self, moment: datetime | str) -> bool:
        """True if ``moment`` (an aware datetime or stored ISO text) falls in the period."""
        at = instant(moment) if isinstance(moment, str) else moment
        return self.start <= at < self.end

    def holds_date(self, day: str) -> bool:
        """True if the ISO date ``day`` is one of the period's days."""
        return self.first <= date.fromisoformat(day[:10]) <= self.last

    def as_record(self) -> dict[str, str]:
        return {"from": self.first.isoformat(), "to": self.last.isoformat()}

    def describe(self) -> str:
        return f"{self.first.isoformat()} to {self.last.isoformat()}"
