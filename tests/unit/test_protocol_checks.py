"""Cached protocol checks answer exactly as Python's own for the hub's aggregates and events."""

from __future__ import annotations

import typing
from uuid import uuid4

from eventsourcing.domain import CanMutateProtocol, CollectEventsProtocol, DomainEventProtocol

from hub.domain.child import Child
from hub.domain.indexes import Household
from hub.eventstore import protocol_checks

PROTOCOLS = (DomainEventProtocol, CollectEventsProtocol, CanMutateProtocol)


def test_cached_answers_equal_uncached_answers() -> None:
    """For aggregates, their events and plain objects, every protocol answer is unchanged."""
    child = Child(first_event_id="e", subject_index=0, details={})
    household = Household(aggregate_id=uuid4(), household_reference="100")
    samples = [child, household, *child.collect_events(), *household.collect_events(), "x", 1]
    uncached = type(typing.Protocol)  # typing's own metaclass
    # The metaclass's own method, called unbound (mypy takes it for type's bound one).
    check = uncached.__instancecheck__
    expected = [[check(p, s) for p in PROTOCOLS] for s in samples]  # type: ignore[call-arg]
    protocol_checks.install()
    assert expected == [[isinstance(s, p) for p in PROTOCOLS] for s in samples]
    assert expected == [[isinstance(s, p) for p in PROTOCOLS] for s in samples]  # from the cache
