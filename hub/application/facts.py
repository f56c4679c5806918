"""What one agency event means to the hub, independent of Avro: subjects, entry, effects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hub.domain.chronology import ChronologyEntry
from hub.domain.identity import Demographics
from hub.domain.withdrawal import Update, Withdrawal


@dataclass(frozen=True)
class SubjectRef:
    """One child an event is about, as the agency identified them (strongest key first)."""

    keys: tuple[str, ...]
    demographics: Demographics
    index: int = 0
    entry_details: dict[str, Any] = field(default_factory=dict)
    # Identifiers the child was known by before (a school's former UPN): they find the
    # child when no key does, and are never linked again.
    former_keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanChange:
    status_event: str
    event_date: str
    category: str | None
    looked_after: bool
    authority: dict[str, str]


@dataclass(frozen=True)
class RollChange:
    """Evidence that the child is on a school's roll: a roll record, or a register mark.

    A roll record has ``entry_date`` (and ``leaving_date`` for a leaver); a register
    mark has ``seen_on``. ``occurred_at`` is when the agency says it happened.
    """

    school_urn: str
    school_name: str
    occurred_at: str
    entry_date: str | None = None
    leaving_date: str | None = None
    status: str | None = None
    seen_on: str | None = None


@dataclass(frozen=True)
class AgencyFact:
    """An agency event translated for the domain.

    ``entry`` is None for evidence that changes what the hub knows about the child
    without a chronology entry of its own (a present mark in a register).
    """

    event_id: str
    agency: str
    subjects: tuple[SubjectRef, ...]
    entry: ChronologyEntry | None
    household_fanout: str | None = None
    plan_change: PlanChange | None = None
    professionals: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # An update joins the chronology only if it changes what it updates.
    update: Update | None = None
    # A cancellation: the agency withdraws earlier entries instead of adding ``entry``.
    withdrawal: Withdrawal | None = None
    roll: RollChange | None = None
    # ``entry`` supersedes earlier ones of its kind (a correction: ``Withdrawal.correction``).
    replaces: Withdrawal | None = None

    @property
    def occurred_at(self) -> str:
        """When the agency says it happened (ISO 8601)."""
        if self.entry is not None:
            return self.entry.occurred_at
        if self.roll is not None:
            return self.roll.occurred_at
        raise ValueError(f"agency fact {self.event_id} has neither an entry nor roll evidence")
