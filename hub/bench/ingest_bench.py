"""``hub bench ingest``: end-to-end ingestion throughput against raw consume+decode.

Both figures are measured in the same run on the same topics, so the ratio
is meaningful on a shared, noisy machine: raw is kafka-python reading every
message and decoding its Avro body, the ceiling for a Python consumer; the
hub adds identity resolution, the aggregates, and encrypted SQLite commits.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from adapters.registry import ADAPTERS
from hub.bench.synthetic_events import synthetic_events
from hub.bootstrap import build_application
from hub.config import Settings
from hub.ingest.worker import IngestWorker
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec


@dataclass(frozen=True)
class IngestBenchResult:
    events: int
    raw_seconds: float
    hub_seconds: float

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_seconds

    @property
    def hub_rate(self) -> float:
        return self.events / self.hub_seconds

    def lines(self) -> list[str]:
        return [
            f"events:                  {self.events}",
            f"raw consume+decode:      {self.raw_rate:,.0f} events/s ({self.raw_seconds:.2f} s)",
            f"hub end to end (SQLite): {self.hub_rate:,.0f} events/s ({self.hub_seconds:.2f} s)",
            f"ratio hub/raw:           {self.hub_rate / self.raw_rate:.3f}",
        ]


def publish(bootstrap: str, prefix: str, count: int) -> list[str]:
    codec = SingleObjectCodec(default_catalogue())
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        batch_size=512 * 1024,
    )
    topics = set()
    for agency, event in synthetic_events(count):
        topic = f"{prefix}{ADAPTERS[agency].topic}"
        topics.add(topic)
        producer.send(
            topic, key=event.key.encode(), value=codec.encode(event.schema_name, event.record)
        )
    producer.flush()
    producer.close()
    return sorted(topics)


def raw_consume_and_decode(bootstrap: str, topics: list[str]) -> float:
    codec = SingleObjectCodec(default_catalogue())
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_poll_records=2000,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    partitions = [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    ends = consumer.end_offsets(partitions)
    decoded: dict[str, int] = defaultdict(int)
    started = time.perf_counter()
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                decoded[codec.decode(record.value).schema_name] += 1
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def hub_ingest(
    bootstrap: str, topics: list[str], data_dir: Path, batch_size: int
) -> tuple[float, int]:
    settings = Settings(data_dir=data_dir, kafka_bootstrap=bootstrap)
    app = build_application(settings, worker=True)
    worker = IngestWorker(
        app,
        bootstrap,
        group_id=f"bench-{uuid.uuid4().hex}",
        batch_size=batch_size,
        subscribe_to=topics,
        dead_letter_topic=f"{topics[0]}.dlq",
    )
    started = time.perf_counter()
    stats = worker.run(until_idle=True)
    return time.perf_counter() - started, stats.messages


def run_ingest_bench(bootstrap: str, events: int, batch_size: int = 2000) -> IngestBenchResult:
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    topics = publish(bootstrap, prefix, events)
    raw_seconds = raw_consume_and_decode(bootstrap, topics)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as directory:
        hub_seconds, processed = hub_ingest(bootstrap, topics, Path(directory), batch_size)
    if processed != events:
        raise RuntimeError(f"hub processed {processed} of {events} events")
    return IngestBenchResult(events, raw_seconds, hub_seconds)
