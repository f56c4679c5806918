"""Integration fixtures: a real Kafka broker for the test session, started and stopped here.

``kafka_bootstrap`` is the bootstrap string of a single-node KRaft broker on
free ports with its data in a temporary directory. Set
``HUB_TEST_KAFKA_BOOTSTRAP`` to use an already running broker instead.
Every test in this directory is marked ``integration``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from broker.kafka_broker import KafkaCluster, KafkaStartError
from broker.kafka_config import HOST
from broker.kafka_processes import free_port_block
from hub.bootstrap import bootstrap
from hub.cli import kafka_commands
from hub.config import Settings
from tests.integration.postgres_database import (  # noqa: F401 (fixtures for every module)
    database_url,
    postgres_server,
    upgraded_database_url,
)

INTEGRATION_DIR = Path(__file__).parent
EXTERNAL_BOOTSTRAP_ENV = "HUB_TEST_KAFKA_BOOTSTRAP"

StartCluster = Callable[[int], KafkaCluster]
HubKafka = Callable[..., int]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected from tests/integration as ``integration``."""
    for item in items:
        if INTEGRATION_DIR in item.path.parents:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def start_kafka_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartCluster]:
    """Start clusters of 1 or 3 nodes on free ports; every one is stopped at session end."""
    started: list[KafkaCluster] = []

    def start(brokers: int) -> KafkaCluster:
        for _attempt in range(3):
            port = free_port_block(HOST, 2 * brokers)
            cluster = KafkaCluster(tmp_path_factory.mktemp("kafka"), brokers=brokers, port=port)
            started.append(cluster)
            try:
                cluster.start(timeout=120)
            except KafkaStartError as error:
                if "ports already in use" not in str(error):
                    raise
                continue  # another process took a port between choosing and binding
            return cluster
        raise RuntimeError("no free ports for a Kafka cluster after 3 attempts")

    yield start
    for cluster in started:
        cluster.stop()


@pytest.fixture(scope="session")
def session_kafka(start_kafka_cluster: StartCluster) -> KafkaCluster | None:
    """The session's own single broker, or None when an external one is configured."""
    if os.environ.get(EXTERNAL_BOOTSTRAP_ENV):
        return None
    return start_kafka_cluster(1)


@pytest.fixture(scope="session")
def kafka_bootstrap(session_kafka: KafkaCluster | None) -> str:
    """Bootstrap servers ("127.0.0.1:PORT") of a real broker for this test session."""
    if session_kafka is None:
        return os.environ[EXTERNAL_BOOTSTRAP_ENV]
    return session_kafka.bootstrap_servers


@pytest.fixture(scope="session")
def kafka_cluster(session_kafka: KafkaCluster | None) -> KafkaCluster:
    """The session broker's manager (tests needing it skip with an external broker)."""
    if session_kafka is None:
        pytest.skip(f"{EXTERNAL_BOOTSTRAP_ENV} is set: the broker is not managed by this session")
    return session_kafka


@pytest.fixture(scope="session")
def hub_kafka() -> HubKafka:
    """Run ``hub kafka ARGS...`` in-process and return its exit code."""

    def run(*argv: str) -> int:
        parser = argparse.ArgumentParser(prog="hub")
        kafka_commands.register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["kafka", *argv])
        exit_code: int = args.func(args, bootstrap(Settings.from_env()))
        return exit_code

    return run
