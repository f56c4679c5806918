"""Layout and settings of the local KRaft cluster: ports, directories, server.properties.

Nodes are numbered 1..N; every node is a combined broker + controller and the
controller quorum is static (``controller.quorum.voters``). With client port P
and N nodes, node i serves clients on ``P + i - 1`` and the quorum on
``P + N + i - 1``: one broker uses 9092 and 9093 (Kafka's quickstart ports),
three brokers use 9092-9094 and their controllers 9095-9097.

The data directory holds ``cluster.json`` (the cluster id and the shape the
storage was formatted for) and one ``node-N`` directory per node, holding
``server.properties``, ``kafka.pid``, ``data/`` (the log dirs) and ``logs/``.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from string import Template

from broker.kafka_runtime import DEPLOY_DIR, KafkaOpsError

HOST = "127.0.0.1"
SERVER_PROPERTIES_TEMPLATE = DEPLOY_DIR / "server.properties.template"
LAYOUT_FILE = "cluster.json"
SUPPORTED_BROKER_COUNTS = (1, 3)


@dataclass(frozen=True)
class NodeSpec:
    """One node of the cluster: its id, ports and directories."""

    node_id: int
    port: int
    controller_port: int
    node_dir: Path

    @property
    def properties_file(self) -> Path:
        return self.node_dir / "server.properties"

    @property
    def pid_file(self) -> Path:
        return self.node_dir / "kafka.pid"

    @property
    def log_dirs(self) -> Path:
        return self.node_dir / "data"

    @property
    def logs_dir(self) -> Path:
        return self.node_dir / "logs"

    @property
    def stdout_file(self) -> Path:
        return self.logs_dir / "kafka.out"

    @property
    def server_log(self) -> Path:
        return self.logs_dir / "server.log"

    @property
    def is_formatted(self) -> bool:
        return (self.log_dirs / "meta.properties").is_file()


@dataclass(frozen=True)
class ClusterLayout:
    """The shape of a cluster in a data directory: id, number of nodes, first client port."""

    cluster_id: str
    brokers: int
    port: int
    host: str = HOST  # the address every node listens on and advertises

    def nodes(self, data_dir: Path) -> tuple[NodeSpec, ...]:
        return tuple(
            NodeSpec(
                node_id=i,
                port=self.port + i - 1,
                controller_port=self.port + self.brokers + i - 1,
                node_dir=data_dir / f"node-{i}",
            )
            for i in range(1, self.brokers + 1)
        )

    @property
    def bootstrap_servers(self) -> str:
        return ",".join(f"{self.host}:{self.port + i}" for i in range(self.brokers))

    @property
    def ports(self) -> tuple[int, ...]:
        return tuple(range(self.port, self.port + 2 * self.brokers))

    def save(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        record = {
            "cluster_id": self.cluster_id,
            "brokers": self.brokers,
            "port": self.port,
            "host": self.host,
        }
        (data_dir / LAYOUT_FILE).write_text(json.dumps(record, indent=2) + "\n")

    @classmethod
    def load(cls, data_dir: Path) -> ClusterLayout | None:
        path = data_dir / LAYOUT_FILE
        if not path.is_file():
            return None
        try:
            record = json.loads(path.read_text())
            return cls(
                str(record["cluster_id"]),
                int(record["brokers"]),
                int(record["port"]),
                str(record.get("host", HOST)),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise KafkaOpsError(f"{path} is unreadable ({error}); remove the data dir") from None


def new_cluster_id() -> str:
    """A fresh KRaft cluster id: a random UUID, URL-safe base64 without padding.

    Never one starting with "-", which kafka-storage's command line takes for an option
    (1 run in 64 failed to format; Kafka's own Uuid.randomUuid() rejects those too).
    """
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


def check_broker_count(brokers: int) -> None:
    """Refuse a cluster shape this project does not run."""
    if brokers not in SUPPORTED_BROKER_COUNTS:
        raise KafkaOpsError(f"brokers must be one of {SUPPORTED_BROKER_COUNTS}, not {brokers}")


def server_properties(layout: ClusterLayout, node: NodeSpec, data_dir: Path) -> str:
    """The rendered ``server.properties`` of ``node``."""
    clustered = layout.brokers > 1
    voters = ",".join(
        f"{peer.node_id}@{layout.host}:{peer.controller_port}" for peer in layout.nodes(data_dir)
    )
    template = Template(SERVER_PROPERTIES_TEMPLATE.read_text())
    return template.substitute(
        node_id=node.node_id,
        quorum_voters=voters,
        host=layout.host,
        port=node.port,
        controller_port=node.controller_port,
        log_dirs=node.log_dirs,
        default_replication_factor=3 if clustered else 1,
        min_insync_replicas=2 if clustered else 1,
        offsets_replication_factor=3 if clustered else 1,
        transaction_replication_factor=3 if clustered else 1,
        transaction_min_isr=2 if clustered else 1,
        group_initial_rebalance_delay_ms=0,
    )
