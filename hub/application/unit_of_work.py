"""A unit of work over the event store: each aggregate loaded once, all saved together.

Aggregates come from the application's cache without copying (the worker owns
its children), so a failed unit of work must ``discard()``: the touched
aggregates are evicted from the cache and the next load rebuilds them from
stored events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Container, Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from hub.application.existence import existing_ids

A = TypeVar("A", bound=Aggregate)


class UnitOfWork:
    """Loaded and created aggregates for one transaction."""

    def __init__(self, app: Application[UUID], known_absent: set[UUID] | None = None) -> None:
        self._app = app
        self._aggregates: dict[UUID, Aggregate] = {}
        # Ids looked up and not found. The worker is the only writer of new index entries,
        # so remembering misses saves a query per lookup; a write conflict clears it.
        self._known_absent = known_absent if known_absent is not None else set()

    def get(self, cls: type[A], aggregate_id: UUID) -> A | None:
        found = self._aggregates.get(aggregate_id)
        if found is None:
            if aggregate_id in self._known_absent:
                return None
            try:
                found = self._app.repository.get(aggregate_id, deepcopy_from_cache=False)
            except AggregateNotFoundError:
                self._known_absent.add(aggregate_id)
                return None
            self._aggregates[aggregate_id] = found
        if not isinstance(found, cls):
            raise TypeError(
                f"aggregate {aggregate_id} is a {type(found).__name__}, not {cls.__name__}"
            )
        return found

    def learn_absent(self, aggregate_ids: Iterable[UUID]) -> None:
        """Ask the store once which of these ids exist, and remember those that do not.

        Only ids neither in this unit of work, the cache nor the remembered misses are
        asked about; the ones that exist are loaded as usual when first used.
        """
        # eventsourcing's caches keep their entries in a dict (``cache.cache``); testing
        # membership there skips the lock and LRU reordering of ``get()`` for each id.
        cache = self._app.repository.cache
        cached: Container[UUID] = getattr(cache, "cache", None) or ()
        unknown = {
            aggregate_id
            for aggregate_id in aggregate_ids
            if aggregate_id not in self._aggregates
            and aggregate_id not in self._known_absent
            and aggregate_id not in cached
        }
        if unknown:
            self._known_absent.update(unknown - existing_ids(self._app.recorder, unknown))

    def is_known_absent(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self._known_absent

    def add(self, aggregate: A) -> A:
        self._aggregates[aggregate.id] = aggregate
        self._known_absent.discard(aggregate.id)
        return aggregate

    def aggregates(self) -> list[Any]:
        return list(self._aggregates.values())

    def discard(self) -> None:
        """Forget everything touched: evict from the cache so stale state is never reused."""
        # Another writer may have created what this one thought absent (that is one way a
        # unit of work fails): forget every remembered miss.
        self._known_absent.clear()
        cache = self._app.repository.cache
        if cache is not None:
            for aggregate_id in self._aggregates:
                with contextlib.suppress(KeyError):
                    cache.get(aggregate_id, evict=True)
        self._aggregates.clear()
