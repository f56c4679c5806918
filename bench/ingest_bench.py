"""``hub bench ingest``: end-to-end ingestion throughput against raw consume+decode.

Two phases on the same topics and the same hub store:

1. *first sight*: one event for each child of the population, so every child,
   identifier, household and birth-date bucket is new (the cost of a cold start);
2. *known children*: ``events`` events about those children, mostly school
   absences (the national volume driver, about 1.2 million marks a day).

The raw figure is kafka-python reading the phase-2 messages and decoding their
Avro bodies, measured in the same run: the ceiling for one Python consumer.
The ratio of the hub's phase-2 rate to it is what to compare between runs on a
shared, noisy machine.
"""

from __future__ import annotations

import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from adapters.records import OutboundEvent
from adapters.registry import ADAPTERS
from bench.synthetic_events import synthetic_events
from hub.application.hub_app import HubApplication
from hub.bootstrap import build_application
from hub.config import Settings
from hub.ingest.worker import IngestWorker
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec

Offsets = dict[TopicPartition, int]


@dataclass(frozen=True)
class IngestBenchResult:
    children: int
    first_sight_seconds: float
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
        first_sight = self.children / self.first_sight_seconds
        return [
            f"first sight of {self.children} children: {first_sight:,.0f} events/s "
            f"({self.first_sight_seconds:.2f} s)",
            f"known children, {self.events} events:",
            f"  raw consume+decode:      {self.raw_rate:,.0f} events/s ({self.raw_seconds:.2f} s)",
            f"  hub end to end (SQLite): {self.hub_rate:,.0f} events/s ({self.hub_seconds:.2f} s)",
            f"  ratio hub/raw:           {self.hub_rate / self.raw_rate:.3f}",
        ]


def _publish(bootstrap: str, prefix: str, events: list[tuple[str, OutboundEvent]]) -> list[str]:
    codec = SingleObjectCodec(default_catalogue())
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        batch_size=512 * 1024,
    )
    topics = set()
    for agency, event in events:
        topic = f"{prefix}{ADAPTERS[agency].topic}"
        topics.add(topic)
        value = codec.encode(event.schema_name, event.record)
        producer.send(topic, key=event.key.encode(), value=value)
    producer.flush()
    producer.close()
    return sorted(topics)


def _end_offsets(bootstrap: str, topics: list[str]) -> Offsets:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        ends: Offsets = consumer.end_offsets(partitions)
        return ends
    finally:
        consumer.close()


def _raw_consume_and_decode(bootstrap: str, starts: Offsets) -> float:
    codec = SingleObjectCodec(default_catalogue())
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        max_poll_records=2000,
        max_partition_fetch_bytes=8 * 1024 * 1024,
    )
    partitions = list(starts)
    consumer.assign(partitions)
    for partition, offset in starts.items():
        consumer.seek(partition, offset)
    ends = consumer.end_offsets(partitions)
    started = time.perf_counter()
    while any(consumer.position(tp) < ends[tp] for tp in partitions):
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                codec.decode(record.value)
    elapsed = time.perf_counter() - started
    consumer.close()
    return elapsed


def _hub_run(
    app: HubApplication,
    bootstrap: str,
    topics: list[str],
    group: str,
    batch: int,
    decode_processes: int,
) -> float:
    worker = IngestWorker(
        app,
        bootstrap,
        group_id=group,
        batch_size=batch,
        subscribe_to=topics,
        dead_letter_topic=f"{topics[0]}.dead-letter",
        decode_processes=decode_processes,
    )
    started = time.perf_counter()
    worker.run(until_idle=True)
    return time.perf_counter() - started


def run_ingest_bench(
    bootstrap: str, events: int, batch_size: int = 2000, decode_processes: int = 1
) -> IngestBenchResult:
    children = max(events // 20, 100)
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    group = f"bench-{uuid.uuid4().hex}"
    warm_up = list(synthetic_events(children, children=children, first_number=10**9, one_each=True))
    topics = _publish(bootstrap, prefix, warm_up)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as directory:
        # One application for both phases, as in a long-running worker (its cache stays warm).
        settings = Settings(data_dir=Path(directory), kafka_bootstrap=bootstrap)
        app = build_application(settings, worker=True)
        first_sight = _hub_run(app, bootstrap, topics, group, batch_size, decode_processes)
        starts = _end_offsets(bootstrap, topics)
        measured = list(synthetic_events(events, children=children))
        topics = sorted(set(topics) | set(_publish(bootstrap, prefix, measured)))
        starts = {**{tp: 0 for tp in _end_offsets(bootstrap, topics)}, **starts}
        raw_seconds = _raw_consume_and_decode(bootstrap, starts)
        hub_seconds = _hub_run(app, bootstrap, topics, group, batch_size, decode_processes)
        app.close()
    return IngestBenchResult(children, first_sight, events, raw_seconds, hub_seconds)
