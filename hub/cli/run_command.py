"""``hub run``: the ingestion worker (``--until-idle`` to process what is there and exit)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from hub.bootstrap import System
from hub.config import Settings


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("run", help="consume the agency topics into the chronologies")
    parser.add_argument(
        "--until-idle", action="store_true", help="exit once every partition is caught up"
    )
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    parser.add_argument("--group", help="consumer group (default HUB_CONSUMER_GROUP)")
    parser.add_argument(
        "--batch-size", type=int, help="max messages per transaction (default HUB_BATCH_SIZE)"
    )
    add_decode_processes_argument(parser)
    parser.set_defaults(func=run)


def add_decode_processes_argument(parser: argparse.ArgumentParser) -> None:
    """``--decode-processes``, shared by ``hub run`` and ``hub bench ingest``."""
    parser.add_argument(
        "--decode-processes",
        type=int,
        help="helper processes decoding Avro, 0 to decode in the worker "
        "(default HUB_DECODE_PROCESSES, 1)",
    )


def decode_processes(args: argparse.Namespace, settings: Settings) -> int:
    """The command line's ``--decode-processes`` if given, else the setting."""
    given: int | None = args.decode_processes
    return settings.decode_processes if given is None else given


def run(args: argparse.Namespace, system: System) -> int:
    worker = system.ingest_worker(
        system.application(worker=True),
        bootstrap_servers=args.bootstrap,
        group_id=args.group,
        batch_size=args.batch_size,
        decode_processes=decode_processes(args, system.settings),
    )
    worker.install_signal_handlers()
    metrics = system.worker_metrics(worker)
    try:
        stats = worker.run(until_idle=args.until_idle)
    finally:
        if metrics is not None:
            metrics.stop()
    print(json.dumps(stats.as_dict()))
    return 0
