"""The worker's fetch bookkeeping, with a fake consumer: ends, revocations and lag offsets.

The integration tests run the worker against the real broker; these cover what a
broker rarely shows on cue: a partition revoked between a poll and the worker's
bookkeeping, and which offsets are committed for lag monitoring on stop.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import IllegalStateError
from kafka.structs import OffsetAndMetadata

from hub.ingest import worker as worker_module
from hub.ingest.ordering import PartitionKey
from hub.ingest.worker import IngestWorker

A = TopicPartition("agency.a", 0)
B = TopicPartition("agency.b", 0)


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int
    value: bytes = b""


class _FakeConsumer:
    """Serves one poll result; positions, high watermarks and commits as set by the test."""

    def __init__(self, **_: Any) -> None:
        self.polled: dict[TopicPartition, list[_Record]] = {}
        self.positions: dict[TopicPartition, int] = {}
        self.high_watermarks: dict[TopicPartition, int] = {}
        self.assigned: set[TopicPartition] = set()
        self.async_commits: list[dict[TopicPartition, OffsetAndMetadata]] = []
        self.sync_commits: list[dict[TopicPartition, OffsetAndMetadata]] = []

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[_Record]]:
        polled, self.polled = self.polled, {}
        return polled

    def _check(self, partition: TopicPartition) -> None:
        if partition not in self.assigned:
            raise IllegalStateError("Partition is not assigned")

    def position(self, partition: TopicPartition) -> int:
        self._check(partition)
        return self.positions[partition]

    def highwater(self, partition: TopicPartition) -> int | None:
        self._check(partition)
        return self.high_watermarks.get(partition)

    def commit_async(self, offsets: Any, callback: Any = None) -> None:
        self.async_commits.append(dict(offsets))

    def commit(self, offsets: Any, timeout_ms: int | None = None) -> None:
        self.sync_commits.append(dict(offsets))


class _FakeDeadLetters:
    def __init__(self, *_: Any) -> None:
        pass


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[IngestWorker]:
    monkeypatch.setattr(worker_module, "KafkaConsumer", _FakeConsumer)
    monkeypatch.setattr(worker_module, "DeadLetterPublisher", _FakeDeadLetters)
    ingest = IngestWorker(
        object(),  # type: ignore[arg-type]  # no application is reached by these calls
        "unused:0",
        group_id="g",
        batch_size=10,
        decode_processes=0,
        collect_by_batch=False,
    )
    for partition in (A, B):
        ingest.scheduler.assign(PartitionKey(partition.topic, partition.partition), 0)
    yield ingest
    ingest._decoder.close()


def _consumer(worker: IngestWorker) -> _FakeConsumer:
    consumer = worker._consumer
    assert isinstance(consumer, _FakeConsumer)
    return consumer


def test_a_fetch_raises_the_end_to_the_high_watermark(worker: IngestWorker) -> None:
    """The fetch response's high watermark becomes the partition's end: no broker round trip."""
    consumer = _consumer(worker)
    consumer.assigned = {A, B}
    consumer.polled = {A: [_Record(A.topic, A.partition, n) for n in range(4)]}
    consumer.positions[A] = 4
    consumer.high_watermarks[A] = 4

    worker._fetch(timeout_ms=0)

    assert not worker.scheduler.caught_up()
    chunk = worker.scheduler.next_chunk()
    assert chunk is not None
    assert (chunk.partition, chunk.end) == (PartitionKey(A.topic, A.partition), 4)


def test_a_partition_revoked_after_the_poll_is_dropped_not_fatal(worker: IngestWorker) -> None:
    """Its records are left for the new owner; the other partition's are kept."""
    consumer = _consumer(worker)
    consumer.assigned = {B}  # A was revoked on the IO thread after the poll
    consumer.polled = {
        A: [_Record(A.topic, A.partition, n) for n in range(3)],
        B: [_Record(B.topic, B.partition, n) for n in range(2)],
    }
    consumer.positions[B] = 2
    consumer.high_watermarks[B] = 2

    worker._fetch(timeout_ms=0)

    assert worker.scheduler.buffered(PartitionKey(A.topic, A.partition)) == 0
    assert worker.scheduler.buffered(PartitionKey(B.topic, B.partition)) == 2


def test_on_stop_the_latest_offsets_of_owned_partitions_are_committed(
    worker: IngestWorker,
) -> None:
    """Async commits during the run; one synchronous commit on stop, without revoked ones."""
    consumer = _consumer(worker)
    worker._kafka_offsets = {
        A: OffsetAndMetadata(20, "", -1),
        B: OffsetAndMetadata(10, "", -1),
    }
    worker._rebalance.revoked.append(A)
    worker._rebalanced()

    worker._commit_kafka_offsets()
    worker._commit_kafka_offsets()  # nothing left to commit: no second call

    assert consumer.sync_commits == [{B: OffsetAndMetadata(10, "", -1)}]
