"""An agency withdrawing its own entries (a cancelled arrival or discharge), and updates.

A withdrawn entry is never deleted: it leaves the child's active chronology (so no rule,
lookup or count uses it again) and is kept, marked with who withdrew it, when and why.
A withdrawal covers the entries of one organisation that share a detail's value (an
attendance's visit number) and are of the kinds it names, recorded by the agency no later
than the withdrawal itself; an entry recorded afterwards (a new registration of the same
visit) is not covered, whatever order the records reach the hub in. An entry two
withdrawals cover is marked by the first of them (by the agency's record time), whatever
order they reach the hub in.

A *correction* is the withdrawal that comes with a record replacing earlier ones of its
kind for the same attendance (a corrected arrival, a discharge after a cancelled one):
it covers the entries the agency recorded before the record (ties broken by event id, so
exactly one is active whatever order they arrive in), never the record itself, and marks
them "superseded". A record that says nothing the active entry it would replace does not
already say (a re-send under another reference) adds nothing (``Withdrawal.repeats``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
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
    correction: bool = False  # a record replacing earlier ones of its kind (module docstring)

    def covers(self, entry: ChronologyEntry) -> bool:
        if not (
            entry.kind in self.kinds
            and entry.agency == self.agency
            and entry.source_organisation == self.source_organisation
            and str(entry.details.get(self.detail)) == self.value
        ):
            return False
        if self.correction:
            return (instant(entry.recorded_at), entry.event_id) < (
                instant(self.recorded_at),
                self.event_id,
            )
        return instant(entry.recorded_at) <= instant(self.recorded_at)

    def mark(self, entry: ChronologyEntry) -> ChronologyEntry:
        """The entry as the chronology keeps it once withdrawn: it says so, and why."""
        details = {
            **entry.details,
            "withdrawn": True,
            "withdrawn_reason": self.reason,
            "withdrawn_at": self.recorded_at,
            "withdrawn_by": self.source_reference,
        }
        if self.correction:
            details["superseded_by"] = self.event_id
        copy = entry.resolved(entry.resolved_via, details)
        object.__setattr__(copy, "summary", _prefix(self.reason, self.correction) + entry.summary)
        return copy

    def repeats(self, entry: ChronologyEntry, active: list[ChronologyEntry]) -> bool:
        """A correction whose record says what an active entry of its kind already says."""
        return any(
            e.kind in self.kinds
            and e.agency == entry.agency
            and e.source_organisation == entry.source_organisation
            and str(e.details.get(self.detail)) == self.value
            and (e.occurred_at, e.summary, e.labels, e.details)
            == (entry.occurred_at, entry.summary, entry.labels, entry.details)
            for e in active
        )

    def remark_earlier(self, marked: list[ChronologyEntry]) -> None:
        """Entries a later withdrawal marked that this earlier one covers: marked by this one.

        So an entry is always marked by the first withdrawal (by the agency's record time)
        that covers it, whatever order the withdrawals reached the hub in.
        """
        for index, entry in enumerate(marked):
            original = _unmarked(entry)
            if self.covers(original) and self._key < _marker_key(entry):
                marked[index] = self.mark(original)

    @property
    def _key(self) -> tuple[datetime, str]:
        return (instant(self.recorded_at), self.source_reference)

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


def first_covering(stored: list[dict[str, Any]], entry: ChronologyEntry) -> Withdrawal | None:
    """Of the stored withdrawals, the first by record time (then reference) covering ``entry``."""
    covering = [w for w in map(Withdrawal.from_dict, stored) if w.covers(entry)]
    return min(covering, key=lambda w: w._key) if covering else None


_MARKS = ("withdrawn", "withdrawn_reason", "withdrawn_at", "withdrawn_by", "superseded_by")


def _prefix(reason: str, correction: bool) -> str:
    how = "Superseded by the source" if correction else "Withdrawn by the source"
    return f"{how} ({reason}): "


def _marker_key(marked: ChronologyEntry) -> tuple[datetime, str]:
    return (instant(str(marked.details["withdrawn_at"])), str(marked.details["withdrawn_by"]))


def _unmarked(marked: ChronologyEntry) -> ChronologyEntry:
    """The entry as it was before ``mark``."""
    details = {k: v for k, v in marked.details.items() if k not in _MARKS}
    prefix = _prefix(str(marked.details["withdrawn_reason"]), "superseded_by" in marked.details)
    copy = marked.resolved(marked.resolved_via, details)
    object.__setattr__(copy, "summary", marked.summary.removeprefix(prefix))
    return copy


def withdrawn_copy(
    entry: ChronologyEntry,
    reason: str,
    at: str | datetime,
    *,
    by: str = "hub",
    summary: str | None = None,
) -> ChronologyEntry:
    """``entry`` marked withdrawn (``reason``, when, by whom), as the chronology keeps it."""
    details = {
        **entry.details,
        "withdrawn": True,
        "withdrawn_reason": reason,
        "withdrawn_at": at if isinstance(at, str) else at.isoformat(),
        "withdrawn_by": by,
    }
    copy = entry.resolved(entry.resolved_via, details)
    object.__setattr__(copy, "summary", summary or f"Withdrawn ({reason}): {entry.summary}")
    return copy
