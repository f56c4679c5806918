"""``hub bench ingest --events N``: print ingestion throughput and its ratio to raw consumption."""

from __future__ import annotations

import argparse
from typing import Any

from hub.config import Settings


def register(subparsers: Any) -> None:
    bench = subparsers.add_parser("bench", help="benchmarks (print figures)")
    which = bench.add_subparsers(dest="bench", required=True)
    ingest = which.add_parser("ingest", help="end-to-end ingestion vs raw consume+decode")
    ingest.add_argument("--events", type=int, default=50_000)
    ingest.add_argument("--batch-size", type=int, default=2000)
    ingest.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    ingest.set_defaults(func=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    from hub.bench.ingest_bench import run_ingest_bench

    bootstrap = args.bootstrap or Settings.from_env().kafka_bootstrap
    result = run_ingest_bench(bootstrap, args.events, args.batch_size)
    for line in result.lines():
        print(line)
    return 0
