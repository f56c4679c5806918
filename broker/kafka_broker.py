"""A real Kafka (KRaft) cluster of one or three nodes on this machine, started and stopped here.

``KafkaCluster(data_dir, brokers, port).start()`` formats each node's storage
once, starts every node as a detached ``java kafka.Kafka`` process and returns
when the brokers answer metadata requests. The processes outlive the Python
process that started them; their pid files in the data directory let a later
``status()`` or ``stop()`` (another ``hub kafka`` command) find them. Logs are
kept in ``<data_dir>/node-N/logs`` after a stop.

``status()`` and ``stop()`` follow what the data directory holds (its
``cluster.json``), whatever ``brokers`` and ``port`` were given, so stopping a
three-broker cluster needs no ``--brokers 3``.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from broker.kafka_config import (
    HOST,
    ClusterLayout,
    NodeSpec,
    check_broker_count,
    new_cluster_id,
    server_properties,
)
from broker.kafka_processes import (
    is_alive,
    launch_detached,
    port_in_use,
    read_pid,
    signal_process,
    wait_for_exit,
)
from broker.kafka_runtime import (
    BROKER_LOG_CONFIG,
    BROKER_MAIN,
    STORAGE_TOOL_MAIN,
    KafkaOpsError,
    default_libs_dir,
    ensure_libs,
    java_command,
    run_tool,
)

JVM_HEAP = ("-Xms256m", "-Xmx768m")
LOG_TAIL_LINES = 40

logger = structlog.get_logger(__name__)


class KafkaStartError(KafkaOpsError):
    """The cluster did not come up; the message carries the tail of the node logs."""


@dataclass(frozen=True)
class NodeStatus:
    """One node: whether its process is alive, and on which ports."""

    node_id: int
    pid: int | None
    running: bool
    port: int
    controller_port: int


@dataclass(frozen=True)
class ClusterStatus:
    """The nodes of a data directory and whether the brokers answer."""

    nodes: tuple[NodeStatus, ...]
    bootstrap_servers: str
    brokers_answering: int

    @property
    def running(self) -> bool:
        """Every node's process is alive and every broker is in the cluster metadata."""
        return all(node.running for node in self.nodes) and self.brokers_answering == len(
            self.nodes
        )

    @property
    def stopped(self) -> bool:
        return not any(node.running for node in self.nodes)

    @property
    def running_nodes(self) -> tuple[int, ...]:
        return tuple(node.node_id for node in self.nodes if node.running)

    @property
    def pids(self) -> dict[int, int]:
        return {node.node_id: node.pid for node in self.nodes if node.running and node.pid}


class KafkaCluster:
    """One or three combined broker+controller nodes with their state under ``data_dir``."""

    def __init__(
        self,
        data_dir: Path,
        brokers: int = 1,
        port: int = 9092,
        libs_dir: Path | None = None,
        host: str = HOST,
    ) -> None:
        check_broker_count(brokers)
        self.data_dir = data_dir.absolute()
        self.brokers = brokers
        self.port = port
        self.host = host
        self.libs_dir = libs_dir if libs_dir is not None else default_libs_dir()
        self._children: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def layout(self) -> ClusterLayout:
        """The cluster the data directory holds, or the one ``start()`` would create."""
        stored = ClusterLayout.load(self.data_dir)
        return (
            stored if stored is not None else ClusterLayout("", self.brokers, self.port, self.host)
        )

    @property
    def bootstrap_servers(self) -> str:
        return self.layout.bootstrap_servers

    def nodes(self) -> tuple[NodeSpec, ...]:
        return self.layout.nodes(self.data_dir)

    def start(self, timeout: float = 90) -> None:
        """Start every node that is not running and wait until all brokers answer."""
        layout = self._layout_to_start()
        nodes = layout.nodes(self.data_dir)
        to_start = [node for node in nodes if self._node_pid(node) is None]
        if not to_start:
            logger.info("kafka_already_running", bootstrap_servers=layout.bootstrap_servers)
            self._wait_until_ready(layout, nodes, timeout)  # it may still be starting up
            return
        busy = [
            port
            for node in to_start
            for port in (node.port, node.controller_port)
            if port_in_use(layout.host, port)
        ]
        if busy:
            raise KafkaStartError(
                f"ports already in use on {layout.host}: {busy}; choose another --port"
            )
        ensure_libs(self.libs_dir)
        layout.save(self.data_dir)
        for node in to_start:
            node.node_dir.mkdir(parents=True, exist_ok=True)
            node.properties_file.write_text(server_properties(layout, node, self.data_dir))
        self._format([node for node in to_start if not node.is_formatted], layout.cluster_id)
        for node in to_start:
            self._launch(node)
        try:
            self._wait_until_ready(layout, nodes, timeout)
        except BaseException:
            self.stop(timeout=10)
            raise

    def stop(self, timeout: float = 30) -> None:
        """Stop every node: SIGTERM (controlled shutdown), then SIGKILL after ``timeout``.

        All nodes get SIGTERM at once, while the controller quorum can still grant
        each broker's controlled shutdown. Stopping them one by one strands the
        last node: with no quorum left it waits five minutes for a shutdown grant.
        """
        running = {
            pid: str(node.properties_file)
            for node in self.nodes()
            if (pid := self._node_pid(node)) is not None
        }
        for pid in running:
            signal_process(pid, signal.SIGTERM)
        for pid in wait_for_exit(running, timeout):
            logger.warning("kafka_process_killed_after_timeout", pid=pid, timeout_s=timeout)
            signal_process(pid, signal.SIGKILL)
        wait_for_exit(running, 10)
        for node in self.nodes():
            node.pid_file.unlink(missing_ok=True)
            self._children.pop(node.node_id, None)

    def status(self, probe_timeout: float = 5) -> ClusterStatus:
        """Which nodes are alive, and how many brokers the cluster metadata lists."""
        layout = self.layout
        statuses = []
        for node in layout.nodes(self.data_dir):
            pid = self._node_pid(node)
            statuses.append(
                NodeStatus(node.node_id, pid, pid is not None, node.port, node.controller_port)
            )
        nodes = tuple(statuses)
        answering = 0
        if any(node.running for node in nodes):
            answering = _brokers_answering(layout.bootstrap_servers, probe_timeout)
        return ClusterStatus(nodes, layout.bootstrap_servers, answering)

    def log_tail(self, node: NodeSpec, lines: int = LOG_TAIL_LINES) -> str:
        """The last ``lines`` lines of the node's server log and of its stdout."""
        parts = []
        for path in (node.server_log, node.stdout_file):
            if path.is_file():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {path} (last {len(text)} lines)\n" + "\n".join(text))
        return "\n".join(parts) or f"(no logs in {node.logs_dir})"

    def _layout_to_start(self) -> ClusterLayout:
        stored = ClusterLayout.load(self.data_dir)
        if stored is None:
            return ClusterLayout(new_cluster_id(), self.brokers, self.port, self.host)
        if stored.brokers != self.brokers:
            raise KafkaOpsError(
                f"{self.data_dir} holds a {stored.brokers}-broker cluster; start it with "
                f"--brokers {stored.brokers}, or use another --data-dir"
            )
        if (stored.port, stored.host) != (self.port, self.host):
            if any(self._node_pid(node) is not None for node in stored.nodes(self.data_dir)):
                raise KafkaOpsError(
                    f"kafka is already running at {stored.bootstrap_servers}; stop it first"
                )
            return ClusterLayout(stored.cluster_id, stored.brokers, self.port, self.host)
        return stored

    def _node_pid(self, node: NodeSpec) -> int | None:
        """The pid of the node's live process; a stale pid file is removed."""
        child = self._children.get(node.node_id)
        if child is not None:
            if child.poll() is None:
                # Our own child: trust it. Its /proc cmdline is briefly incomplete
                # while the java launcher execs, so the marker check could misfire.
                return child.pid
            del self._children[node.node_id]
        pid = read_pid(node.pid_file)
        if pid is None:
            return None
        if is_alive(pid, str(node.properties_file)):
            return pid
        node.pid_file.unlink(missing_ok=True)
        return None

    def _format(self, nodes: Sequence[NodeSpec], cluster_id: str) -> None:
        def format_node(node: NodeSpec) -> str:
            args = ["format", "--config", str(node.properties_file), "--cluster-id", cluster_id]
            return run_tool(self.libs_dir, STORAGE_TOOL_MAIN, args)

        with ThreadPoolExecutor(max_workers=max(1, len(nodes))) as pool:
            list(pool.map(format_node, nodes))

    def _launch(self, node: NodeSpec) -> None:
        command = java_command(
            self.libs_dir,
            BROKER_MAIN,
            [str(node.properties_file)],
            jvm_options=[*JVM_HEAP, f"-Dkafka.logs.dir={node.logs_dir}"],
            log_config=BROKER_LOG_CONFIG,
        )
        child = launch_detached(command, node.stdout_file, cwd=node.node_dir)
        self._children[node.node_id] = child
        node.pid_file.write_text(f"{child.pid}\n")
        logger.info("kafka_node_started", node_id=node.node_id, pid=child.pid)

    def _wait_until_ready(
        self, layout: ClusterLayout, nodes: Sequence[NodeSpec], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        answering = 0
        while time.monotonic() < deadline:
            dead = [node for node in nodes if self._node_pid(node) is None]
            if dead:
                raise KafkaStartError(
                    f"kafka node {dead[0].node_id} exited during start-up:\n"
                    + self.log_tail(dead[0])
                )
            answering = _brokers_answering(layout.bootstrap_servers, probe_timeout=2)
            if answering == layout.brokers:
                return
            time.sleep(0.2)
        tails = "\n".join(self.log_tail(node) for node in nodes)
        raise KafkaStartError(
            f"kafka at {layout.bootstrap_servers} not ready after {timeout:.0f}s "
            f"({answering} of {layout.brokers} brokers answering):\n{tails}"
        )


def _brokers_answering(bootstrap_servers: str, probe_timeout: float) -> int:
    """How many unfenced brokers a metadata request lists (0 if nothing answers)."""
    timeout_ms = int(probe_timeout * 1000)
    admin: Any = None
    kafka_logger = logging.getLogger("kafka")  # kafka-python's own standard-library logger
    previous_level = kafka_logger.level
    kafka_logger.setLevel(logging.CRITICAL)  # refused connections are expected while polling
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap_servers,
            client_id="hub-kafka-ops",
            bootstrap_timeout_ms=timeout_ms,
            request_timeout_ms=timeout_ms,
            reconnect_backoff_max_ms=500,
        )
        cluster: dict[str, Any] = admin.describe_cluster()
    except (KafkaError, OSError):
        return 0
    finally:
        if admin is not None:
            admin.close()
        kafka_logger.setLevel(previous_level)
    return sum(1 for broker in cluster.get("brokers", []) if not broker.get("is_fenced"))
