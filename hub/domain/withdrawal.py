"""An agency withdrawing its own entries (a cancelled arrival or discharge), and updates.

A withdrawn entry is never deleted: it leaves the child's active chronology (so no rule,
lookup or count uses it again) and is kept, marked with who withdrew it, when and why.
A withdrawal covers the entries of one organisation that share a detail's value (an
attendance's visit number) and are of the kinds it names, recorded by the agency no later
than the withdrawal itself; an entry recorded afterwards (a new registration of the same
visit) is not covered, whatever order the records reach the hub in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from hub.domain.chronology import ChronologyEntry, instant


@dataclass(frozen=True)
class Withdrawal:
    """Which entries an agency withdrew, and why (reason in words from a code table)."""

    event_id: str  # the agency event that withdrew them
    agency: str
    source_organisation: str
    source_reference: str
    detail: str  # e.g. "attendance_reference"
    value: str
    kinds: tuple[str, ...]
    reason: str
    recorded_at: str

    def covers(self, entry: ChronologyEntry) -> bool:
        return (
            entry.kind in self.kinds
            and entry.agency == self.agency
            and entry.source_organisation == self.source_organisation
            and str(entry.details.get(self.detail)) == self.value
            and instant(entry.recorded_at) <= instant(self.recorded_at)
        )

    def mark(self, entry: ChronologyEntry) -> ChronologyEntry:
        """The entry as the chronology keeps it once withdrawn: it says so, and why."""
        details = {
            **entry.details,
            "withdrawn": True,
            "withdrawn_reason": self.reason,
            "withdrawn_at": self.recorded_at,
            "withdrawn_by": self.source_reference,
        }
        copy = entry.resolved(entry.resolved_via, details)
        object.__setattr__(
            copy, "summary", f"Withdrawn by the source ({self.reason}): {entry.summary}"
        )
        return copy

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kinds"] = list(self.kinds)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Withdrawal:
        return cls(**{**data, "kinds": tuple(data["kinds"])})


@dataclass(frozen=True)
class Update:
    """An entry that updates earlier ones of the same ``detail`` value (an attendance).

    It joins the chronology only when one of ``compared`` differs from the latest active
    entry it updates (or there is none yet): a change of safeguarding flags is a new
    entry, a repeat of what is already known is not.
    """

    detail: str
    compared: tuple[str, ...]

    def changes(self, entry: ChronologyEntry, entries: list[ChronologyEntry]) -> bool:
        value = entry.details.get(self.detail)
        same = [
            e
            for e in entries
            if e.agency == entry.agency
            and e.source_organisation == entry.source_organisation
            and e.details.get(self.detail) == value
            and instant(e.occurred_at) <= instant(entry.occurred_at)
        ]
        if not same:
            return True
        latest = max(same, key=lambda e: (instant(e.occurred_at), e.recorded_at))
        return any(latest.details.get(k) != entry.details.get(k) for k in self.compared)
