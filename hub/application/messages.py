"""What the hub application takes in and reports: an inbound message, a batch's report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from hub.application.facts import AgencyFact
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError

FactDecoder = Callable[[bytes], AgencyFact]


@dataclass(frozen=True)
class InboundMessage:
    """A decoded agency event and where it was read from."""

    topic: str
    partition: int
    offset: int
    value: bytes
    fact: AgencyFact


@dataclass
class IngestReport:
    applied: int = 0
    duplicates: int = 0
    queued_for_review: int = 0
    new_children: int = 0
    fanned_out: int = 0
    touched_children: set[UUID] = field(default_factory=set)


def find_child(
    key: str,
    get_child: Callable[[UUID], Child],
    linked_child_id: Callable[[str], UUID | None],
) -> Child:
    """A child by hub child id, or by identifier key through ``linked_child_id``."""
    try:
        return get_child(UUID(key))
    except ValueError:
        pass
    child_id = linked_child_id(key)
    if child_id is None:
        raise ChildNotFoundError(key)
    return get_child(child_id)


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}#{partition}"
