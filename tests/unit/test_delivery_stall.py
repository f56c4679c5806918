"""Alert delivery replaces a consumer that has alerts waiting but fetches none.

As for the ingestion worker (``hub.ingest.stall``): fake consumers stand in for the
broker; the first is assigned the alert topic's partition with one alert waiting and
never returns it. The service must replace it and handle the alert with the second.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from kafka import TopicPartition

from consumers import alert_delivery
from consumers.alert_delivery import AlertDeliveryService, DeliveryConfig

TOPIC = "hub.alerts"
A = TopicPartition(TOPIC, 0)


@dataclass(frozen=True)
class _Message:
    topic: str = TOPIC
    partition: int = 0
    offset: int = 0
    key: bytes | None = None
    value: bytes = b"not an alert"


class _Consumer:
    """Owns partition A with one message; the first instance never hands it over."""

    made: ClassVar[list[_Consumer]] = []

    def __init__(self, *_: Any, **__: Any) -> None:
        self.number = len(_Consumer.made)
        self.offset = 0
        self.closed = False
        _Consumer.made.append(self)

    def assignment(self) -> set[TopicPartition]:
        return {A}

    def poll(self, timeout_ms: int = 0, max_records: int = 0) -> dict[TopicPartition, Any]:
        if self.number == 0 or self.offset >= 1:
            return {}
        self.offset = 1
        return {A: [_Message()]}

    def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return dict.fromkeys(partitions, 1)

    def position(self, partition: TopicPartition) -> int:
        return self.offset

    def commit(self) -> None:
        pass

    def close(self, autocommit: bool = True, timeout_ms: int | None = None) -> None:
        self.closed = True


class _Producer:
    sent: ClassVar[list[str]] = []

    def __init__(self, **_: Any) -> None:
        pass

    def send(self, topic: str, **_: Any) -> None:
        _Producer.sent.append(topic)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.fixture
def fakes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    _Consumer.made, _Producer.sent = [], []
    monkeypatch.setattr(alert_delivery, "KafkaConsumer", _Consumer)
    monkeypatch.setattr(alert_delivery, "KafkaProducer", _Producer)
    yield


def test_a_stalled_alert_consumer_is_replaced_and_the_alert_handled(
    fakes: None, tmp_path: Path
) -> None:
    """The run ends (it used to report idle with the alert undelivered) having handled it."""
    config = DeliveryConfig("unused:0", tmp_path / "ledger.sqlite", topic=TOPIC)
    service = AlertDeliveryService(config, stall_after_s=0.3)

    stats = service.run(until_idle=True, idle_seconds=0.2)
    service.close()

    first, _ = _Consumer.made
    assert (1, 1) == (stats.reconnects, stats.dead_lettered)  # undecodable: kept, with reason
    assert first.closed
    assert [config.dead_letter_topic] == _Producer.sent
