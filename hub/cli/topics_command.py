"""``hub topics``: how many messages each of the hub's topics holds."""

from __future__ import annotations

import argparse
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from hub.bootstrap import System


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("topics", help="message counts of the agency and hub topics")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    parser.set_defaults(func=run)


def topic_counts(bootstrap: str, names: tuple[str, ...]) -> dict[str, int]:
    """Messages retained per topic (end offset minus beginning offset, summed over partitions)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="hub-topics")
    try:
        existing = consumer.topics()
        counts: dict[str, int] = {}
        for name in names:
            if name not in existing:
                counts[name] = 0
                continue
            partitions = [
                TopicPartition(name, p) for p in consumer.partitions_for_topic(name) or ()
            ]
            ends = consumer.end_offsets(partitions)
            starts = consumer.beginning_offsets(partitions)
            counts[name] = sum(ends[tp] - starts[tp] for tp in partitions)
        return counts
    finally:
        consumer.close()


def run(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    counts = topic_counts(args.bootstrap or settings.kafka_bootstrap, settings.topics.counted)
    width = max(len(name) for name in counts)
    for name, count in counts.items():
        print(f"{name:<{width}}  {count:>8} messages")
    return 0
