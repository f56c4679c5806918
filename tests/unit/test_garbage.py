"""The worker's garbage collection by batch: cycles still go, settings are put back."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.ingest.garbage import YOUNG_THRESHOLD, BatchGarbageCollector


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle() -> tuple[_Node, weakref.ref[_Node]]:
    first, second = _Node(), _Node()
    first.other, second.other = second, first
    return first, weakref.ref(first)


@pytest.fixture
def collector() -> Iterator[BatchGarbageCollector]:
    before = gc.get_threshold()
    collector = BatchGarbageCollector(every_batches=3, full_every_s=3600)
    collector.start()
    yield collector
    collector.stop()
    assert gc.get_threshold() == before, "the thresholds are put back"
    assert gc.get_freeze_count() == 0, "nothing stays frozen"


def test_start_freezes_the_heap_and_makes_young_collections_rarer(
    collector: BatchGarbageCollector,
) -> None:
    """After start the existing objects are frozen and young collections wait longer."""
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD


def test_a_cycle_left_by_batches_is_collected_every_few_batches(
    collector: BatchGarbageCollector,
) -> None:
    """Garbage cycles made while batches run are gone after the collecting batch."""
    node, alive = _cycle()
    del node
    collector.after_batch()
    collector.after_batch()
    assert alive() is not None, "not yet: collections happen every third batch"
    collector.after_batch()
    assert alive() is None


def test_a_cycle_frozen_while_alive_goes_at_the_next_full_collection(
    collector: BatchGarbageCollector,
) -> None:
    """A cycle alive when frozen and dropped later is reclaimed by the periodic full pass."""
    node, alive = _cycle()
    for _ in range(3):
        collector.after_batch()  # collects and freezes: the live cycle is frozen
    del node
    for _ in range(3):
        collector.after_batch()
    assert alive() is not None, "frozen objects are not examined by batch collections"
    collector.full_every_s = 0
    collector.after_batch()
    assert alive() is None


def test_a_server_freezes_its_start_up_heap_and_still_collects_later_cycles() -> None:
    """After freeze_startup_heap, what start-up built is frozen; new cycles still go."""
    from hub.lookup.server import freeze_startup_heap

    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 0
        node, alive = _cycle()
        del node
        gc.collect()
        assert alive() is None
    finally:
        gc.unfreeze()
