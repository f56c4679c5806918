"""``hub listen ae --address HOST:PORT``: take A&E HL7 v2 messages over MLLP.

Each message goes through the adapter ``hub publish ae`` uses, is published to the A&E
topic and answered with an HL7 ACK only after Kafka acknowledged it (``AA``); a bad
message is answered ``AE``/``AR`` with an ``ERR`` naming the field and kept in the
rejects file; a re-sent one is answered ``AA`` without a second publish. Runs until
SIGTERM or SIGINT, then prints its counts as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from adapters import emergency_care
from adapters.mllp_listener import MllpListener, RejectsFile
from adapters.stream_publisher import StreamPublisher
from hub import topics
from hub.bootstrap import System

DEFAULT_ADDRESS = "127.0.0.1:2575"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "listen",
        help="take an agency's messages over MLLP, ACK each once it is on Kafka",
        description="An MLLP listener (HL7 v2 over TCP). Each message is answered with an "
        "HL7 ACK after Kafka acknowledged its event: AA accepted (or already published), "
        "AE error in the message (ERR names the field), AR message type, trigger or version "
        "not taken, or the hub could not store it now (send again).",
    )
    parser.add_argument("agency", choices=["ae"], help="which feed (A&E HL7 v2 ADT)")
    parser.add_argument(
        "--address",
        default=DEFAULT_ADDRESS,
        help=f"HOST:PORT to listen on; port 0 takes any free port (default {DEFAULT_ADDRESS})",
    )
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    parser.add_argument(
        "--rejects",
        type=Path,
        help="where rejected messages are kept as JSON lines "
        "(default $HUB_DATA_DIR/adapters/ae-mllp-rejects.jsonl)",
    )
    parser.set_defaults(func=run)


def parse_address(text: str) -> tuple[str, int]:
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit():
        raise SystemExit(f"--address must be HOST:PORT, not {text!r}")
    return host, int(port)


def run(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    host, port = parse_address(args.address)
    rejects = RejectsFile(
        args.rejects or settings.publish_ledger_path.parent / "ae-mllp-rejects.jsonl"
    )
    publisher = system.stream_publisher(topics.EMERGENCY_CARE, args.bootstrap)
    try:
        publisher.warm_up()
        counts = asyncio.run(_serve(publisher, rejects, host, port, settings.ae_time_zone, system))
    finally:
        publisher.close()
    print(json.dumps(counts), flush=True)
    return 0


async def _serve(
    publisher: StreamPublisher,
    rejects: RejectsFile,
    host: str,
    port: int,
    zone: ZoneInfo,
    system: System,
) -> dict[str, int]:
    listener = MllpListener(
        publisher,
        lambda hl7_file, source: emergency_care.parse_hl7(hl7_file, source, zone=zone),
        rejects,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    bound = await listener.start(host, port)
    metrics = system.listener_metrics(listener.counts.as_dict)
    print(
        f"MLLP listener for ae on {host}:{bound} -> {publisher.topic} "
        f"(rejects kept in {rejects.path})",
        flush=True,
    )
    await stop.wait()
    await listener.close()
    if metrics is not None:
        metrics.stop()
    return listener.counts.as_dict()
