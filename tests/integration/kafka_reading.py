"""Reading back whole topics in integration tests (real broker)."""

from __future__ import annotations

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition


def read_all(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Any]:
    """Every message currently in ``topic``, read from the beginning of each partition."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        deadline = time.monotonic() + timeout_s
        partitions: set[int] | None = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                time.sleep(0.2)
        if not partitions:
            return []
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        records: list[Any] = []
        while time.monotonic() < deadline:
            if all(consumer.position(tp) >= ends[tp] for tp in assigned):
                break
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        else:
            raise TimeoutError(f"could not read {topic} to its end in {timeout_s}s")
        return records
    finally:
        consumer.close()
