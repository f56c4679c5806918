"""A report: its period, what is missing from it, and its tables of figures.

A ``Table`` is rows of a group's name and its counts (numbers, not only rates: G1); its
``chart`` names the column a bar chart shows. A ``Report`` carries the completeness of
its sources, so that no output can show its figures without saying whether they are
whole (G3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.mi.period import Period

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: int | None = 1  # the column a bar chart shows (None: no chart)
    counts: tuple[int, ...] = ()  # columns holding counts of children or records

    def as_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "columns": list(self.columns),
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
        }


@dataclass(frozen=True)
class SourceStatus:
    """One agency or sending organisation: its last record by the period's end, and verdict."""

    agency: str
    organisation: str | None  # None: the agency as a whole
    cadence: str
    last_record: str | None
    state: str  # "ok", "late" or "silent"

    @property
    def label(self) -> str:
        return self.agency if self.organisation is None else f"{self.agency} {self.organisation}"

    def describe(self) -> str:
        since = f"last record {self.last_record}" if self.last_record else "no record ever"
        return f"{self.label}: {self.state} ({self.cadence} expected; {since})"


@dataclass(frozen=True)
class Completeness:
    sources: tuple[SourceStatus, ...]
    provisional: bool = False  # the period has not ended yet

    @property
    def missing(self) -> tuple[SourceStatus, ...]:
        return tuple(s for s in self.sources if s.state != "ok")

    @property
    def complete(self) -> bool:
        return not self.missing and not self.provisional

    def head(self) -> list[str]:
        """The lines every report starts with."""
        if self.complete:
            return ["Complete: every agency and sending organisation sent as expected."]
        lines = ["INCOMPLETE: these figures lack data from sources that are late or silent."]
        if self.provisional:
            lines.append("The period has not ended yet: figures are provisional.")
        lines.extend(f"- {status.describe()}" for status in self.missing)
        return lines


@dataclass(frozen=True)
class Report:
    name: str
    title: str
    period: Period
    completeness: Completeness
    tables: tuple[Table, ...]
    notes: tuple[str, ...] = field(default=())
    reference_version: str = ""

    @property
    def complete(self) -> bool:
        return self.completeness.complete

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)

    def as_record(self) -> dict[str, Any]:
        completeness = self.completeness
        return {
            "report": self.name,
            "title": self.title,
            "period": self.period.as_record(),
            "complete": self.complete,
            "provisional": completeness.provisional,
            "late_or_silent": [
                {
                    "agency": s.agency,
                    "organisation": s.organisation,
                    "state": s.state,
                    "cadence": s.cadence,
                    "last_record": s.last_record,
                }
                for s in completeness.missing
            ],
            "reference_version": self.reference_version,
            "notes": list(self.notes),
            "tables": [table.as_record() for table in self.tables],
        }
