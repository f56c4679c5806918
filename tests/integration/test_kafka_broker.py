"""A single real Kafka broker managed by broker.kafka_broker and ``hub kafka``."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, KafkaProducer

from broker.kafka_broker import KafkaCluster
from broker.kafka_config import ClusterLayout, new_cluster_id

HubKafka = Callable[..., int]
StartCluster = Callable[[int], KafkaCluster]


def _topic() -> str:
    return f"test-broker-{uuid.uuid4().hex[:12]}"


def _produce(bootstrap: str, topic: str, value: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        producer.send(topic, value).get(timeout=60)
    finally:
        producer.close()


def _consume_one(bootstrap: str, topic: str, timeout: float = 60) -> bytes | None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"g-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for records in consumer.poll(timeout_ms=1000).values():
                for record in records:
                    value: bytes = record.value
                    return value
        return None
    finally:
        consumer.close()


def test_status_reports_running(kafka_cluster: KafkaCluster) -> None:
    """A started broker's status says its node runs and the broker answers."""
    status = kafka_cluster.status()

    assert status.running
    assert status.running_nodes == (1,)
    assert kafka_cluster.bootstrap_servers == status.bootstrap_servers


def test_start_when_running_is_a_no_op(kafka_cluster: KafkaCluster) -> None:
    """Starting a running broker again (as another ``hub kafka start`` would) keeps its process."""
    pids_before = kafka_cluster.status().pids
    again = KafkaCluster(kafka_cluster.data_dir, brokers=1, port=kafka_cluster.port)

    again.start(timeout=10)

    assert pids_before == again.status().pids


def test_acks_all_round_trip(kafka_bootstrap: str) -> None:
    """A message produced with acks=all is consumed back unchanged."""
    topic = _topic()

    _produce(kafka_bootstrap, topic, b"round trip")

    assert _consume_one(kafka_bootstrap, topic) == b"round trip"


def test_console_consumer_reads_kafka_python_message(
    kafka_bootstrap: str, hub_kafka: HubKafka, capfd: pytest.CaptureFixture[str]
) -> None:
    """Kafka's own console consumer (``hub kafka console-consumer``) reads what we produced."""
    topic = _topic()
    _produce(kafka_bootstrap, topic, b"seen by the console consumer")
    capfd.readouterr()

    exit_code = hub_kafka(
        "console-consumer",
        "--bootstrap-server",
        kafka_bootstrap,
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        "1",
        "--timeout-ms",
        "60000",
    )

    assert exit_code == 0
    assert capfd.readouterr().out.splitlines() == ["seen by the console consumer"]


def test_console_consumer_script_shows_headers(kafka_bootstrap: str) -> None:
    """``console-consumer.sh --property print.headers=true`` prints a dead letter's headers."""
    topic = _topic()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    try:
        headers = [("dlq-reason", b"undecodable")]
        producer.send(topic, b"body", headers=headers).get(timeout=60)
    finally:
        producer.close()
    script = Path(__file__).parents[2] / "deploy" / "kafka" / "console-consumer.sh"
    options = ["--from-beginning", "--max-messages", "1", "--timeout-ms", "60000"]
    options += ["--property", "print.headers=true"]
    shown = subprocess.run(
        [str(script), "--bootstrap-server", kafka_bootstrap, "--topic", topic, *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert ["dlq-reason:undecodable\tbody"] == shown.splitlines()


def test_stop_then_status_says_stopped(
    start_kafka_cluster: StartCluster, hub_kafka: HubKafka, capfd: pytest.CaptureFixture[str]
) -> None:
    """After ``hub kafka stop`` the broker process is gone, status says stopped, logs remain."""
    cluster = start_kafka_cluster(1)
    pid = cluster.status().pids[1]
    where = ["--data-dir", str(cluster.data_dir), "--port", str(cluster.port)]

    assert hub_kafka("stop", *where) == 0
    capfd.readouterr()
    status_exit = hub_kafka("status", *where)

    assert status_exit == 3
    assert capfd.readouterr().out.startswith("kafka: stopped")
    assert not Path(f"/proc/{pid}").exists()
    assert "shut down completed" in cluster.nodes()[0].server_log.read_text()


def test_stale_pid_file_counts_as_stopped(tmp_path: Path) -> None:
    """A pid file naming a dead process is reported as stopped and removed."""
    ClusterLayout(new_cluster_id(), brokers=1, port=19092).save(tmp_path)
    cluster = KafkaCluster(tmp_path, brokers=1, port=19092)
    node = cluster.nodes()[0]
    node.node_dir.mkdir(parents=True)
    node.pid_file.write_text(f"{_dead_pid()}\n")

    status = cluster.status(probe_timeout=1)

    assert status.stopped
    assert not node.pid_file.exists()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
