"""What to generate: how many children, over which days, from which seed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from synthetic import clock


class ConfigError(ValueError):
    """The requested generation cannot be done (for example it would reach into the future)."""


@dataclass(frozen=True)
class GeneratorConfig:
    """A generation run; the same config always produces byte-identical output."""

    children: int
    days: int
    seed: int
    start_date: date
    hard_cases: float = 0.0  # share of children made hard to identify (synthetic.hard_cases)

    @property
    def end_date(self) -> date:
        """The first day after the period (exclusive)."""
        return self.start_date + timedelta(days=self.days)

    @property
    def dates(self) -> list[date]:
        """Every day of the period, in order."""
        return [self.start_date + timedelta(days=i) for i in range(self.days)]

    @property
    def period_start(self) -> datetime:
        """Local midnight at the start of the period."""
        return clock.local(self.start_date, 0)

    @property
    def period_end(self) -> datetime:
        """Local midnight at the end of the period; nothing is recorded at or after it."""
        return clock.local(self.end_date, 0)

    def check(self, now: datetime) -> None:
        """Raise ``ConfigError`` unless the run is possible and lies wholly in the past."""
        if self.children < 1:
            raise ConfigError("--children must be at least 1")
        if self.days < 1:
            raise ConfigError("--days must be at least 1")
        if not 0.0 <= self.hard_cases <= 1.0:
            raise ConfigError("--hard-cases must be a share between 0 and 1")
        if self.period_end > now:
            raise ConfigError(
                f"the period {self.start_date}..{self.end_date - timedelta(days=1)} would end "
                f"in the future; choose a start date on or before "
                f"{clock.today_in_england(now) - timedelta(days=self.days)}"
            )


def default_start_date(days: int, now: datetime | None = None) -> date:
    """Today (in England) minus ``days``: the latest start that keeps every record in the past."""
    return clock.today_in_england(now) - timedelta(days=days)
