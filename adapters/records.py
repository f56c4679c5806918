"""What an adapter makes of a native export: events to publish, rejected records with reasons.

Besides rejections, an export can raise *notices*: something the adapter read but
could not take as written (an unknown column, a sensitivity label the policy does
not define). The records around it are still published; the notice says where
(line and field) and what happened, so nothing is dropped in silence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class FieldError(ValueError):
    """One field of one native record is missing or wrong."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field_name = field_name
        self.reason = reason


@dataclass(frozen=True)
class RejectedRecord:
    """A native record that was not published: where it is, which field, and why."""

    file: str
    location: str
    field: str
    reason: str
    record_reference: str | None = None

    def describe(self) -> str:
        reference = f" [{self.record_reference}]" if self.record_reference else ""
        return f"{self.file}:{self.location}: {self.field}: {self.reason}{reference}"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "file": self.file,
            "location": self.location,
            "field": self.field,
            "reason": self.reason,
            "record_reference": self.record_reference,
        }


@dataclass(frozen=True)
class Notice(RejectedRecord):
    """Something in an export the adapter reports while publishing the records around it."""


@dataclass(frozen=True)
class OutboundEvent:
    """An event ready to encode: its schema, the Avro record, and its Kafka key."""

    schema_name: str
    record: dict[str, Any]
    key: str

    @property
    def event_id(self) -> str:
        return str(self.record["envelope"]["event_id"])


@dataclass
class ParsedExport:
    """Everything an adapter read from one file."""

    events: list[OutboundEvent] = field(default_factory=list)
    rejected: list[RejectedRecord] = field(default_factory=list)
    not_published: dict[str, int] = field(default_factory=dict)
    notices: list[Notice] = field(default_factory=list)

    def skip(self, reason: str) -> None:
        """Count a valid record that is deliberately not published (e.g. a present mark)."""
        self.not_published[reason] = self.not_published.get(reason, 0) + 1
