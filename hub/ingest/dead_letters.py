"""The dead-letter topic: messages the hub could not use, with the reason, never lost.

Each dead letter keeps the original bytes and key, and headers saying why
(``dlq-reason`` is a short code, ``dlq-detail`` a sentence without personal
data) and where it came from (original topic, partition, offset). Dead
letters are flushed to the broker (acks=all) before the batch they belong to
is committed, so a crash can at worst repeat a dead letter, never lose one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from hub import topics

MAX_DETAIL = 300


@dataclass(frozen=True)
class DeadLetter:
    """A dead letter as read back from the topic."""

    offset: int
    reason: str
    detail: str
    original_topic: str
    original_partition: int
    original_offset: int
    failed_at: str
    size: int


class DeadLetterPublisher:
    def __init__(self, bootstrap_servers: str, topic: str = topics.DEAD_LETTER) -> None:
        self._topic = topic
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id="hub-dead-letters",
            acks="all",
            enable_idempotence=True,
        )
        self._pending = 0

    def send(self, record: Any, reason: str, detail: str) -> None:
        headers = [
            ("dlq-reason", reason.encode()),
            ("dlq-detail", detail[:MAX_DETAIL].encode()),
            ("original-topic", record.topic.encode()),
            ("original-partition", str(record.partition).encode()),
            ("original-offset", str(record.offset).encode()),
            ("failed-at", datetime.now(UTC).isoformat().encode()),
        ]
        self._producer.send(self._topic, key=record.key, value=record.value or b"", headers=headers)
        self._pending += 1

    def flush(self, timeout_s: float = 60.0) -> None:
        """Block until every dead letter sent so far is acknowledged by the broker."""
        if self._pending:
            self._producer.flush(timeout=timeout_s)
            self._pending = 0

    def close(self) -> None:
        self.flush()
        self._producer.close()


def read_dead_letters(
    bootstrap: str, topic: str = topics.DEAD_LETTER, timeout_s: float = 20.0
) -> list[DeadLetter]:
    """Every dead letter currently held, oldest first per partition."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, client_id="hub-dlq-reader"
    )
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        letters: list[DeadLetter] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {topic} to its end within {timeout_s}s")
            for batch in consumer.poll(timeout_ms=500).values():
                for message in batch:
                    headers = {k: v.decode() for k, v in message.headers}
                    letters.append(
                        DeadLetter(
                            offset=message.offset,
                            reason=headers.get("dlq-reason", ""),
                            detail=headers.get("dlq-detail", ""),
                            original_topic=headers.get("original-topic", ""),
                            original_partition=int(headers.get("original-partition", "-1")),
                            original_offset=int(headers.get("original-offset", "-1")),
                            failed_at=headers.get("failed-at", ""),
                            size=len(message.value or b""),
                        )
                    )
        return letters
    finally:
        consumer.close()
