"""``hub run``: the ingestion worker (``--until-idle`` to process what is there and exit).

Only the worker holding the store's lease applies (``hub.ingest.lease``): a second
``hub run`` on the same store is a standby. It logs ``worker_standby``, waits without
joining the consumer group, and when the active worker stops or dies takes the lease
(``worker_lease_acquired``), joins the group and resumes from the stored positions. A
worker that loses its lease stops before its next commit and exits with status 3.
"""

from __future__ import annotations

import argparse
import json
import signal
from types import FrameType
from typing import Any

import structlog

from hub.bootstrap import System
from hub.config import Settings
from hub.ingest.lease import LeaseLostError, wait_for_lease

log = structlog.get_logger(__name__)
EXIT_LEASE_LOST = 3


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
    app = system.application(worker=True)  # ready before the lease: a takeover starts at once
    lease = system.worker_lease()
    standby_stopped: list[int] = []

    def stop_standby(signum: int, frame: FrameType | None) -> None:
        standby_stopped.append(signum)

    signal.signal(signal.SIGTERM, stop_standby)
    signal.signal(signal.SIGINT, stop_standby)
    try:
        if not wait_for_lease(lease, stopping=lambda: bool(standby_stopped)):
            log.info("worker_standby_stopped")
            return 0
        worker = system.ingest_worker(
            app,
            bootstrap_servers=args.bootstrap,
            group_id=args.group,
            batch_size=args.batch_size,
            decode_processes=decode_processes(args, system.settings),
            lease=lease,
        )
        worker.install_signal_handlers()
        if standby_stopped:
            worker.stop()
        metrics = system.worker_metrics(worker)
        try:
            stats = worker.run(until_idle=args.until_idle)
        except LeaseLostError as error:
            log.error("worker_lease_lost", reason=str(error))
            return EXIT_LEASE_LOST
        finally:
            if metrics is not None:
                metrics.stop()
    finally:
        lease.release()
    print(json.dumps(stats.as_dict()))
    return 0
