"""Faster ``isinstance`` checks against eventsourcing's runtime-checkable protocols.

On Python 3.11 ``isinstance(x, SomeProtocol)`` walks the protocol's members on
every call; eventsourcing makes several such checks per stored event (their share
of ingestion time is in docs/benchmarks.md). The answer
depends only on the object's class for these protocols (their members are
methods and class-level attributes of every event and aggregate class), so it
is cached per class. Python 3.12 made the check itself fast; this module then
changes little.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import CanMutateProtocol, CollectEventsProtocol, DomainEventProtocol

_ProtocolMeta: Any = type(DomainEventProtocol)


class _PerClassCachedProtocolMeta(_ProtocolMeta):  # type: ignore[misc]
    _answers: dict[tuple[type, type], bool] = {}  # noqa: RUF012

    def __instancecheck__(cls, instance: Any) -> bool:  # noqa: N805 - a metaclass method
        key = (cls, type(instance))
        answer = _PerClassCachedProtocolMeta._answers.get(key)
        if answer is None:
            answer = bool(super().__instancecheck__(instance))
            _PerClassCachedProtocolMeta._answers[key] = answer
        return answer


def install() -> None:
    """Cache eventsourcing's protocol checks per class (idempotent)."""
    for protocol in (DomainEventProtocol, CollectEventsProtocol, CanMutateProtocol):
        if type(protocol) is _ProtocolMeta:
            protocol.__class__ = _PerClassCachedProtocolMeta  # type: ignore[method-assign]
