"""A three-broker KRaft cluster on one machine, started and stopped with ``hub kafka``."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic

from broker.kafka_broker import KafkaCluster
from broker.kafka_config import HOST
from broker.kafka_processes import free_port_block

HubKafka = Callable[..., int]

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def three_brokers(
    tmp_path_factory: pytest.TempPathFactory, hub_kafka: HubKafka
) -> Iterator[KafkaCluster]:
    """A cluster started with ``hub kafka start --brokers 3``; stopped at module end."""
    data_dir = tmp_path_factory.mktemp("kafka-cluster")
    port = free_port_block(HOST, 6)
    cluster = KafkaCluster(data_dir, brokers=3, port=port)
    try:
        exit_code = hub_kafka("start", "--brokers", "3", *_where(cluster), "--timeout", "150")
        assert exit_code == 0
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture
def admin(three_brokers: KafkaCluster) -> Iterator[Any]:
    """An admin client of the three-broker cluster."""
    client = KafkaAdminClient(bootstrap_servers=three_brokers.bootstrap_servers)
    yield client
    client.close()


def test_three_brokers_are_in_the_cluster_metadata(admin: Any) -> None:
    """All three nodes serve as brokers of one cluster."""
    brokers = admin.describe_cluster()["brokers"]

    assert sorted(broker["broker_id"] for broker in brokers) == [1, 2, 3]


def test_controller_quorum_has_three_voters(admin: Any) -> None:
    """All three nodes are voters of the static controller quorum."""
    quorum = admin.describe_metadata_quorum()["topics"][0]["partitions"][0]

    assert sorted(voter["replica_id"] for voter in quorum["current_voters"]) == [1, 2, 3]


def test_acks_all_write_to_replicated_topic_succeeds(
    three_brokers: KafkaCluster, admin: Any
) -> None:
    """A topic with replication factor 3 and min.insync.replicas=2 takes an acks=all write."""
    topic = f"test-cluster-{uuid.uuid4().hex[:12]}"
    admin.create_topics(
        [
            NewTopic(
                topic,
                num_partitions=3,
                replication_factor=3,
                topic_configs={"min.insync.replicas": "2"},
            )
        ],
        wait_for_metadata=True,
    )
    producer = KafkaProducer(bootstrap_servers=three_brokers.bootstrap_servers, acks="all")
    try:
        metadata = producer.send(topic, b"replicated").get(timeout=60)
    finally:
        producer.close()

    (described,) = admin.describe_topics([topic])
    assert metadata.offset == 0
    assert [len(p["isr_nodes"]) for p in described["partitions"]] == [3, 3, 3]


def test_stop_shuts_every_node_down(three_brokers: KafkaCluster, hub_kafka: HubKafka) -> None:
    """``hub kafka stop`` stops all three nodes (run last: it ends the module's cluster)."""
    pids = three_brokers.status().pids

    exit_code = hub_kafka("stop", *_where(three_brokers))

    assert exit_code == 0
    assert three_brokers.status().stopped
    assert [pid for pid in pids.values() if Path(f"/proc/{pid}").exists()] == []


def _where(cluster: KafkaCluster) -> list[str]:
    return ["--data-dir", str(cluster.data_dir), "--port", str(cluster.port)]
