"""Kafka chores of the benchmarks: create topics, list partitions, a consumer group's backlog."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError


def create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")
    try:
        brokers = len(admin.describe_cluster().get("brokers", [])) or 1
        replicas = min(brokers, 3)
        admin.create_topics(
            [NewTopic(name, partitions, replicas) for name in names], timeout_ms=30_000
        )
    finally:
        admin.close()


def topic_partitions(consumer: KafkaConsumer, names: list[str]) -> list[TopicPartition]:
    found = []
    for name in names:
        deadline = time.monotonic() + 10
        numbers = consumer.partitions_for_topic(name)
        while not numbers and time.monotonic() < deadline:
            time.sleep(0.2)
            numbers = consumer.partitions_for_topic(name)
        found += [TopicPartition(name, number) for number in sorted(numbers or ())]
    return found


class GroupLag:
    """Messages on some topics past a consumer group's committed offsets."""

    def __init__(self, bootstrap: str, group: str) -> None:
        self._group = group
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")

    def backlog(self, names: list[str]) -> int | None:
        """None while the group's coordinator cannot say (a new group, a fresh broker)."""
        try:
            committed = self._admin.list_group_offsets({self._group: None}).get(self._group, {})
        except KafkaError:
            return None
        ends: dict[TopicPartition, int] = self._consumer.end_offsets(
            topic_partitions(self._consumer, names)
        )
        return sum(
            max(end - (committed[tp].offset if tp in committed else 0), 0)
            for tp, end in ends.items()
        )

    def close(self) -> None:
        self._consumer.close()
        self._admin.close()
