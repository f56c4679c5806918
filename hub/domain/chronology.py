"""A chronology entry: one dated, sourced, factual record of something an agency saw (C1, C3)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

DetailValue = str | int | bool | None


@dataclass(frozen=True)
class ChronologyEntry:
    """What happened, when, according to whom; ``summary`` is factual and names no one."""

    event_id: str
    agency: str
    kind: str
    occurred_at: str
    recorded_at: str
    summary: str
    source_organisation: str
    source_reference: str
    labels: tuple[str, ...] = ()
    details: dict[str, DetailValue] = field(default_factory=dict)
    resolved_via: str = ""

    def to_dict(self) -> dict[str, Any]:
        # Written out rather than dataclasses.asdict(), which deep-copies: this is on the hot path.
        return {
            "event_id": self.event_id,
            "agency": self.agency,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "recorded_at": self.recorded_at,
            "summary": self.summary,
            "source_organisation": self.source_organisation,
            "source_reference": self.source_reference,
            "labels": list(self.labels),
            "details": dict(self.details),
            "resolved_via": self.resolved_via,
        }

    def resolved(self, via: str, details: dict[str, DetailValue] | None = None) -> ChronologyEntry:
        """A copy resolved to a child (``via``), with the subject's own details added."""
        # Copied field by field rather than with dataclasses.replace(), which re-runs the
        # frozen __init__: this runs once per ingested event.
        copy = object.__new__(ChronologyEntry)
        state = copy.__dict__
        state.update(self.__dict__)
        state["resolved_via"] = via
        if details is not None:
            state["details"] = details
        return copy

    @classmethod
    def from_hub(
        cls,
        event_id: str,
        kind: str,
        at: str = "",
        summary: str = "",
        source_organisation: str = "hub",
        source_reference: str = "",
    ) -> ChronologyEntry:
        """An item the hub itself discloses (a status, an identity case, a lookup).

        It is decided by the policy and audited exactly like an agency's entry.
        """
        return cls(
            event_id=event_id,
            agency="HUB",
            kind=kind,
            occurred_at=at,
            recorded_at=at,
            summary=summary,
            source_organisation=source_organisation,
            source_reference=source_reference,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChronologyEntry:
        if data.keys() != _FIELD_NAMES:  # partial or unexpected: let __init__ check it
            return cls(**{**data, "labels": tuple(data.get("labels", ()))})
        # Every field present (as to_dict() writes them): fill the instance directly. The
        # frozen __init__ sets each field through object.__setattr__, and this runs for
        # every entry of every child read from the store.
        entry = object.__new__(cls)
        state = entry.__dict__
        state.update(data)
        state["labels"] = tuple(data["labels"])
        return entry


_FIELD_NAMES = frozenset(f.name for f in fields(ChronologyEntry))


def instant(text: str) -> datetime:
    """A stored ISO time (``occurred_at``, ``raised_at``...) as an aware datetime, naive as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
