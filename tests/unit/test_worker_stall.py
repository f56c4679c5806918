"""A worker whose consumer stops fetching while it is behind replaces the consumer and finishes.

kafka-python 3.0 can lose its group coordinator and never find it again; the
worker must not wait for ever (``hub.ingest.stall``). Fake consumers stand in for
the broker: the first is assigned a partition with one record and never returns
it; the worker must notice, close it, join with a second consumer that does, and
apply the record from the stored position.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from kafka import TopicPartition

from hub.application.hub_app import IngestReport
from hub.ingest import worker as worker_module
from hub.ingest.stall import StallWatch
from hub.ingest.worker import IngestWorker

TOPIC = "agency.a"
A = TopicPartition(TOPIC, 0)


@dataclass(frozen=True)
class _Record:
    topic: str
    partition: int
    offset: int
    value: bytes = b"not avro"
    key: bytes | None = None


class _Consumer:
    """Assigns partition A on the first poll; the first instance never returns a record."""

    made: ClassVar[list[_Consumer]] = []

    def __init__(self, **_: Any) -> None:
        self.number = len(_Consumer.made)
        self.listener: Any = None
        self.assigned: set[TopicPartition] = set()
        self.offset = 0
        self.closed = False
        _Consumer.made.append(self)

    def topics(self) -> set[str]:
        return {TOPIC}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {0}

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.listener = listener

    def poll(self, timeout_ms: int = 0) -> dict[TopicPartition, list[_Record]]:
        if not self.assigned:
            self.assigned = {A}
            self.listener.on_partitions_assigned([A])
            return {}
        if self.number == 0 or self.offset >= 1:
            return {}  # the stalled consumer: polls answer nothing, whatever the lag
        self.offset = 1
        return {A: [_Record(TOPIC, 0, 0)]}

    def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 0)

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 1)

    def assignment(self) -> set[TopicPartition]:
        return set(self.assigned)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.offset = offset

    def position(self, partition: TopicPartition) -> int:
        return self.offset

    def highwater(self, partition: TopicPartition) -> int:
        return 1

    def commit_async(self, offsets: Any, callback: Any = None) -> None:
        pass

    def commit(self, offsets: Any, timeout_ms: int | None = None) -> None:
        pass

    def unsubscribe(self) -> None:
        self.assigned = set()

    def close(self, autocommit: bool = True, timeout_ms: int | None = None) -> None:
        self.closed = True


class _DeadLetters:
    sent: ClassVar[list[tuple[int, str]]] = []

    def __init__(self, *_: Any) -> None:
        pass

    def send(self, record: Any, reason: str, detail: str) -> None:
        _DeadLetters.sent.append((record.offset, reason))

    def flush(self, timeout_s: float = 60.0) -> None:
        pass

    def close(self) -> None:
        pass


class _App:
    """Positions and ingests as the hub application keeps them, in memory."""

    def __init__(self) -> None:
        self.positions: dict[str, int] = {}

    def position(self, topic: str, partition: int) -> int | None:
        return self.positions.get(f"{topic}#{partition}")

    def ingest(self, messages: list[Any], tracking: Any) -> IngestReport:
        self.positions[tracking.application_name] = tracking.notification_id
        return IngestReport()

    def has_position(self, name: str, position: int) -> bool:
        return self.positions.get(name, -1) >= position


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _Consumer.made = []
    _DeadLetters.sent = []
    monkeypatch.setattr(worker_module, "KafkaConsumer", _Consumer)
    monkeypatch.setattr(worker_module, "DeadLetterPublisher", _DeadLetters)
    monkeypatch.setattr(worker_module, "tracking_name", lambda topic, p: f"{topic}#{p}")
    yield


def test_a_stalled_consumer_is_replaced_and_the_record_is_applied(fakes: None) -> None:
    """The run returns (it used to poll for ever) with the record handled once."""
    worker = IngestWorker(
        _App(),  # type: ignore[arg-type]  # only position, ingest and has_position are reached
        "unused:0",
        group_id="g",
        batch_size=10,
        subscribe_to=[TOPIC],
        decode_processes=0,
        collect_by_batch=False,
        stall_after_s=0.3,
    )

    stats = worker.run(until_idle=True, idle_timeout_s=5)

    first, second = _Consumer.made
    assert first.closed and second.closed
    assert stats.reconnects == 1
    assert stats.messages == 1
    assert [offset for offset, _ in _DeadLetters.sent] == [0]  # "not avro": dead-lettered once


def test_the_watch_waits_a_full_period_and_only_while_behind() -> None:
    """Progress or being caught up resets the clock; a verdict comes once per period."""
    now = [0.0]
    watch = StallWatch(10.0, clock=lambda: now[0])

    now[0] = 9.9
    assert not watch.stalled(progressed=False, behind=True)
    now[0] = 10.0
    assert watch.stalled(progressed=False, behind=True)
    now[0] = 15.0
    assert not watch.stalled(progressed=False, behind=True)  # counted again from 10.0
    now[0] = 19.0
    assert not watch.stalled(progressed=True, behind=True)
    now[0] = 28.0
    assert not watch.stalled(progressed=False, behind=True)
    now[0] = 40.0
    assert not watch.stalled(progressed=False, behind=False)  # caught up: nothing to wait for
    now[0] = 49.0
    assert not watch.stalled(progressed=False, behind=True)
    now[0] = 50.0
    assert watch.stalled(progressed=False, behind=True)


def test_a_watch_needs_a_positive_period() -> None:
    with pytest.raises(ValueError):
        StallWatch(0)
