"""``hub kafka start|status|stop|console-consumer``: the local Kafka cluster from the command line.

``start``, ``status`` and ``stop`` take ``--brokers {1,3}``, ``--port`` (first
client port; ``$HUB_KAFKA_PORT`` or 9092) and ``--data-dir``
(``$HUB_KAFKA_DATA_DIR`` or ``<repo>/.data/kafka``). ``status`` exits 0 when the
cluster is running, 3 when it is stopped and 1 when it is partly up.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

from broker.kafka_broker import ClusterStatus, KafkaCluster
from broker.kafka_runtime import KafkaOpsError, console_consumer_command
from hub.bootstrap import System

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_STOPPED = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``kafka`` and its sub-commands to the ``hub`` command."""
    kafka = subparsers.add_parser("kafka", help="run a local Kafka (KRaft) broker or cluster")
    commands = kafka.add_subparsers(dest="kafka_command", required=True)

    start = commands.add_parser("start", help="start the broker(s) and wait until ready")
    _add_cluster_options(start)
    start.add_argument(
        "--timeout", type=float, default=90.0, help="seconds to wait for readiness (90)"
    )
    start.set_defaults(func=start_command)

    status = commands.add_parser("status", help="report whether the broker(s) run and answer")
    _add_cluster_options(status)
    status.set_defaults(func=status_command)

    stop = commands.add_parser("stop", help="stop the broker(s) (controlled shutdown)")
    _add_cluster_options(stop)
    stop.add_argument("--timeout", type=float, default=30.0, help="seconds before SIGKILL (30)")
    stop.set_defaults(func=stop_command)

    consumer = commands.add_parser(
        "console-consumer", help="read a topic with Kafka's own console consumer"
    )
    consumer.add_argument("--topic", required=True)
    consumer.add_argument("--from-beginning", action="store_true")
    consumer.add_argument("--max-messages", type=int, default=None)
    consumer.add_argument(
        "--timeout-ms", type=int, default=None, help="exit if no message arrives in this time"
    )
    consumer.add_argument("--group", default=None, help="consumer group (default: a new one)")
    consumer.add_argument(
        "--property",
        "--formatter-property",
        dest="property",
        action="append",
        default=[],
        type=_key_value,
        metavar="KEY=VALUE",
        help="a formatter property passed on to Kafka's console consumer (repeatable), "
        "e.g. print.headers=true to see a dead letter's dlq-reason and dlq-detail",
    )
    consumer.add_argument(
        "--bootstrap-server",
        default=None,
        help="default: $HUB_KAFKA_BOOTSTRAP or 127.0.0.1:$HUB_KAFKA_PORT",
    )
    consumer.set_defaults(func=console_consumer_cli)


def start_command(args: argparse.Namespace, system: System) -> int:
    cluster = _cluster(args, system)
    try:
        if cluster.status(probe_timeout=2).running:
            print(f"kafka: already running at {cluster.bootstrap_servers} {_where(cluster)}")
            return EXIT_OK
        began = time.monotonic()
        cluster.start(timeout=args.timeout)
    except KafkaOpsError as error:
        print(f"kafka: start failed: {error}")
        return EXIT_FAILED
    elapsed = time.monotonic() - began
    print(f"kafka: {_running_line(cluster)} {_where(cluster)}, ready in {elapsed:.1f}s")
    return EXIT_OK


def status_command(args: argparse.Namespace, system: System) -> int:
    cluster = _cluster(args, system)
    try:
        status = cluster.status()
    except KafkaOpsError as error:
        print(f"kafka: {error}")
        return EXIT_FAILED
    if status.running:
        print(f"kafka: {_running_line(cluster)} {_where(cluster)}")
        return EXIT_OK
    if status.stopped:
        print(f"kafka: stopped {_where(cluster)}")
        return EXIT_STOPPED
    print(f"kafka: {_degraded_line(status)} {_where(cluster)}")
    return EXIT_FAILED


def stop_command(args: argparse.Namespace, system: System) -> int:
    cluster = _cluster(args, system)
    try:
        running = cluster.status(probe_timeout=1).running_nodes
        if not running:
            print(f"kafka: not running {_where(cluster)}")
            return EXIT_OK
        began = time.monotonic()
        cluster.stop(timeout=args.timeout)
    except KafkaOpsError as error:
        print(f"kafka: stop failed: {error}")
        return EXIT_FAILED
    elapsed = time.monotonic() - began
    noun = "node" if len(running) == 1 else "nodes"
    print(f"kafka: stopped {len(running)} {noun} in {elapsed:.1f}s {_where(cluster)}")
    return EXIT_OK


def console_consumer_cli(args: argparse.Namespace, system: System) -> int:
    bootstrap = args.bootstrap_server or system.settings.kafka_bootstrap
    try:
        command = console_consumer_command(
            bootstrap,
            args.topic,
            from_beginning=args.from_beginning,
            max_messages=args.max_messages,
            timeout_ms=args.timeout_ms,
            group=args.group,
            properties=args.property,
        )
    except KafkaOpsError as error:
        print(f"kafka: {error}")
        return EXIT_FAILED
    try:
        return subprocess.run(command, check=False).returncode
    except KeyboardInterrupt:
        return EXIT_OK


def _key_value(text: str) -> str:
    key, equals, _value = text.partition("=")
    if not key or not equals:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return text


def _add_cluster_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--brokers", type=int, choices=(1, 3), default=1, help="number of brokers (1)"
    )
    parser.add_argument(
        "--port", type=int, help="first broker's client port ($HUB_KAFKA_PORT or 9092)"
    )
    parser.add_argument(
        "--host", help="address the brokers listen on and advertise ($HUB_KAFKA_HOST or 127.0.0.1)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="where node storage, pid files and logs live ($HUB_KAFKA_DATA_DIR or .data/kafka)",
    )


def _cluster(args: argparse.Namespace, system: System) -> KafkaCluster:
    settings = system.settings
    return KafkaCluster(
        data_dir=args.data_dir or settings.kafka_data_dir,
        brokers=args.brokers,
        port=args.port or settings.kafka_port,
        host=args.host or settings.kafka_host,
    )


def _running_line(cluster: KafkaCluster) -> str:
    brokers = cluster.layout.brokers
    noun = "broker" if brokers == 1 else "brokers"
    return f"{brokers} {noun} running at {cluster.bootstrap_servers}"


def _where(cluster: KafkaCluster) -> str:
    path = cluster.data_dir.resolve()
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    return f"(data {shown})"


def _degraded_line(status: ClusterStatus) -> str:
    up = len(status.running_nodes)
    return (
        f"{up} of {len(status.nodes)} nodes running, "
        f"{status.brokers_answering} brokers answering at {status.bootstrap_servers}"
    )
