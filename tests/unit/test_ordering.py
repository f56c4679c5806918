"""The chunk scheduler releases chunks in one deterministic order, whatever arrives first."""

from __future__ import annotations

from dataclasses import dataclass

from hub.ingest.ordering import ChunkScheduler, PartitionKey

A = PartitionKey("agency.a", 0)
B = PartitionKey("agency.b", 0)


@dataclass(frozen=True)
class Record:
    offset: int


def _records(start: int, stop: int) -> list[Record]:
    return [Record(offset) for offset in range(start, stop)]


def _drain(scheduler: ChunkScheduler) -> list[tuple[str, int, int]]:
    released = []
    while (chunk := scheduler.next_chunk()) is not None:
        released.append((chunk.partition.topic, chunk.records[0].offset, chunk.end))
        scheduler.committed(chunk)
    return released


def _scheduler(a_start: int = 0, b_start: int = 0) -> ChunkScheduler:
    scheduler = ChunkScheduler(chunk_size=10)
    scheduler.assign(A, a_start)
    scheduler.assign(B, b_start)
    scheduler.set_end(A, 25)
    scheduler.set_end(B, 12)
    return scheduler


def test_chunks_are_released_lowest_chunk_number_first() -> None:
    """Chunk 0 of every partition, then chunk 1 of every partition, and so on."""
    scheduler = _scheduler()
    scheduler.add(A, _records(0, 25), 25)
    scheduler.add(B, _records(0, 12), 12)
    assert [
        ("agency.a", 0, 10),
        ("agency.b", 0, 10),
        ("agency.a", 10, 20),
        ("agency.b", 10, 12),
        ("agency.a", 20, 25),
    ] == _drain(scheduler)
    assert scheduler.caught_up()


def test_order_does_not_depend_on_which_partition_is_fetched_first() -> None:
    """If B's data arrives late, A's second chunk still waits for B's first."""
    scheduler = _scheduler()
    scheduler.add(A, _records(0, 25), 25)
    assert [("agency.a", 0, 10)] == _drain(scheduler)
    scheduler.add(B, _records(0, 12), 12)
    assert ("agency.b", 0, 10) == _drain(scheduler)[0]


def test_resuming_from_stored_positions_continues_the_same_order() -> None:
    """After a crash with A at 20 and B at 10 stored, B's chunk 1 comes before A's chunk 2."""
    scheduler = _scheduler(a_start=20, b_start=10)
    scheduler.add(A, _records(20, 25), 25)
    scheduler.add(B, _records(10, 12), 12)
    assert [("agency.b", 10, 12), ("agency.a", 20, 25)] == _drain(scheduler)


def test_incomplete_chunk_waits_for_more_data() -> None:
    """A chunk is released only when everything up to its end has been fetched."""
    scheduler = _scheduler()
    scheduler.add(A, _records(0, 5), 5)
    assert [] == _drain(scheduler)


def test_trim_keeps_a_window_and_says_where_to_refetch() -> None:
    """Trimming a partition far ahead drops its tail and returns the offset to fetch again."""
    scheduler = _scheduler()
    scheduler.add(A, _records(0, 25), 25)
    assert 8 == scheduler.trim(A, 8)
    assert 8 == scheduler.buffered(A)
    assert scheduler.trim(A, 8) is None


def test_a_fetched_high_watermark_only_ever_raises_the_end() -> None:
    """A newer high watermark releases the data it covers; a stale, lower one is ignored."""
    scheduler = _scheduler()
    scheduler.add(B, _records(0, 20), fetched_to=20)
    scheduler.extend_end(B, 20)
    scheduler.extend_end(B, 15)
    scheduler.add(A, _records(0, 25), fetched_to=25)
    assert _drain(scheduler) == [
        ("agency.a", 0, 10),
        ("agency.b", 0, 10),
        ("agency.a", 10, 20),
        ("agency.b", 10, 20),
        ("agency.a", 20, 25),
    ]
    assert scheduler.caught_up()
    scheduler.extend_end(A, 30)
    assert not scheduler.caught_up()
