"""A unit of work over the event store: each aggregate loaded once, all saved together.

Aggregates come from the application's cache without copying (the worker owns
its children), so a failed unit of work must ``discard()``: the touched
aggregates are evicted from the cache and the next load rebuilds them from
stored events.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate

from hub.eventstore.existence import existing_ids

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
        # Set differences reuse the hashes the set already holds (UUID's __hash__ is Python
        # code). eventsourcing's caches keep their entries in a dict (``cache.cache``), so
        # testing membership there also skips the lock and LRU reordering of ``get()``.
        candidates = aggregate_ids if isinstance(aggregate_ids, set) else set(aggregate_ids)
        unknown = candidates.difference(self._aggregates).difference(self._known_absent)
        cached = getattr(self._app.repository.cache, "cache", None)
        if isinstance(cached, dict):
            unknown = unknown.difference(cached)
        elif cached:
            unknown = {aggregate_id for aggregate_id in unknown if aggregate_id not in cached}
        if unknown:
            self._known_absent.update(unknown - existing_ids(self._app.recorder, unknown))

    def absent_among(self, aggregate_ids: set[UUID]) -> set[UUID]:
        """Which of these ids are known not to be in the store."""
        return aggregate_ids & self._known_absent

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
