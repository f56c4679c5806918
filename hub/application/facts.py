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


@dataclass(frozen=True)
class PlanChange:
    status_event: str
    event_date: str
    category: str | None
    looked_after: bool
    authority: dict[str, str]


@dataclass(frozen=True)
class AgencyFact:
    """An agency event translated for the domain."""

    event_id: str
    agency: str
    subjects: tuple[SubjectRef, ...]
    entry: ChronologyEntry
    household_fanout: str | None = None
    plan_change: PlanChange | None = None
    professionals: dict[str, dict[str, str | None]] = field(default_factory=dict)
    # An update joins the chronology only if it changes what it updates.
    update: Update | None = None
    # A cancellation: the agency withdraws earlier entries instead of adding ``entry``.
    withdrawal: Withdrawal | None = None
