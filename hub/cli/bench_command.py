"""``hub bench ingest``, ``lookup`` and ``alerts``: print figures (never assert them).

``hub bench ingest --events N`` prints ingestion throughput and its ratio to raw
consumption; ``hub bench lookup --children N --concurrency C`` prints A&E lookup
throughput and latency and their ratio to the gRPC health check's; ``hub bench
alerts`` prints the latency from an agency's publish to the alert email under
background ingest load, with a Kafka produce-to-consume baseline; ``hub bench
identity`` prints wrong merges, missed links and the share resolved automatically
on a generated population with identity hard cases, against identifier-only
resolution; ``hub bench documents`` times a case-review bundle of N children.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.bootstrap import System
from hub.cli.arguments import positive_int
from hub.cli.run_command import add_decode_processes_argument, decode_processes


def register(subparsers: Any) -> None:
    bench = subparsers.add_parser("bench", help="benchmarks (print figures)")
    which = bench.add_subparsers(dest="bench", required=True)
    ingest = which.add_parser("ingest", help="end-to-end ingestion vs raw consume+decode")
    ingest.add_argument("--events", type=int, default=50_000)
    ingest.add_argument("--batch-size", type=int, default=2000)
    add_decode_processes_argument(ingest)
    ingest.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    ingest.set_defaults(func=run_ingest)
    lookup = which.add_parser(
        "lookup", help="A&E lookups vs gRPC health checks: throughput, p50, p99"
    )
    lookup.add_argument("--children", type=int, default=10_000, help="children to load")
    lookup.add_argument(
        "--concurrency",
        type=_concurrencies,
        default=(8,),
        help="requests kept in flight; a comma-separated list runs each (default 8)",
    )
    lookup.add_argument(
        "--sweep", action="store_true", help="concurrencies 1,2,4,8,16 (overrides --concurrency)"
    )
    lookup.add_argument(
        "--rounds",
        type=positive_int,
        default=1,
        help="repeat the concurrencies this many times, interleaved, and pool each one's "
        "rounds (this machine's speed drifts within minutes)",
    )
    lookup.add_argument("--seconds", type=float, default=15.0, help="measured time per phase")
    lookup.add_argument("--warmup", type=float, default=3.0, help="unmeasured time per phase")
    lookup.add_argument("--workers", type=int, default=8, help="server thread pool size")
    lookup.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes sharing the port, as `hub serve --processes` "
        "(use --connections >= processes: a connection stays with one process)",
    )
    lookup.add_argument("--connections", type=int, default=1, help="client TLS connections")
    lookup.add_argument(
        "--plan-share", type=float, default=0.25, help="share of lookups of children on a plan"
    )
    lookup.add_argument(
        "--unknown-share", type=float, default=0.05, help="share of unknown NHS numbers"
    )
    lookup.add_argument(
        "--data-dir",
        type=Path,
        help="keep the store here and reuse it when it holds the same --children "
        "(default: a fresh temporary directory)",
    )
    lookup.add_argument("--seed", type=int, default=1)
    lookup.add_argument(
        "--sequential",
        type=int,
        default=300,
        help="lookups timed in process without gRPC before serving (0: none)",
    )
    lookup.add_argument(
        "--profile", action="store_true", help="cProfile the sequential pass and print it"
    )
    lookup.add_argument(
        "--switch-interval",
        type=float,
        help="the server's GIL switch interval in ms (default as hub serve, 0.5)",
    )
    lookup.set_defaults(func=run_lookup)
    alerts = which.add_parser(
        "alerts", help="agency publish -> alert email latency under background ingest load"
    )
    alerts.add_argument("--children", type=int, default=300, help="children on a CP plan")
    alerts.add_argument("--seconds", type=float, default=60.0, help="measured time")
    alerts.add_argument("--probe-interval", type=float, default=0.5, help="seconds between probes")
    alerts.add_argument(
        "--background-rate", type=float, default=500.0, help="background events per second"
    )
    alerts.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    alerts.add_argument("--work-dir", type=Path, help="keep data and process logs here")
    alerts.set_defaults(func=run_alerts)
    identity = which.add_parser(
        "identity",
        help="identity resolution on a population with hard cases: wrong merges, queue, records/s",
        description=(
            "Build a synthetic population with identity hard cases (near-name twins and "
            "triplets, misspellings, nicknames, transposed birth dates, surname changes), "
            "send every agency record through the hub's resolution and store (no Kafka), and "
            "print wrong merges, missed links sent to the identity queue, new children wrongly "
            "created, the share resolved automatically and records/s, with identifier-only "
            "resolution as the baseline. Prints figures; never asserts them."
        ),
    )
    identity.add_argument(
        "--children", type=positive_int, default=50_000, help="population size (default 50,000)"
    )
    identity.add_argument(
        "--hard-cases",
        type=float,
        default=0.05,
        help="share of children made hard to identify, as hub generate --hard-cases (default 0.05)",
    )
    identity.add_argument("--seed", type=int, default=1)
    identity.add_argument("--batch-size", type=positive_int, default=500)
    identity.add_argument(
        "--store",
        choices=("sqlite", "memory"),
        default="sqlite",
        help="embedded SQLite in a temporary directory (default) or in memory",
    )
    identity.add_argument(
        "--no-baseline", action="store_true", help="skip the identifier-only baseline run"
    )
    identity.set_defaults(func=run_identity)
    documents = which.add_parser(
        "documents",
        help="a case-review bundle of N children: seconds, children/s, time per stage",
    )
    documents.add_argument("--children", type=positive_int, default=1000)
    documents.add_argument("--processes", type=int, default=2, help="rendering processes")
    documents.add_argument("--seed", type=int, default=1)
    documents.add_argument("--data-dir", type=Path, help="where the store goes (default: temp)")
    documents.set_defaults(func=run_documents)
    mllp = which.add_parser(
        "mllp",
        help="A&E messages acknowledged per second over MLLP, against hub publish ae",
        description="Send distinct synthetic A04s to `hub listen ae` (its own process) over "
        "one and several connections, each message waiting for its ACK, and print "
        "messages/s acknowledged and ACK latency, with `hub publish ae`'s work on the same "
        "messages as the baseline. Prints figures; never asserts them.",
    )
    mllp.add_argument("--messages", type=positive_int, default=5000)
    mllp.add_argument(
        "--connections",
        type=_concurrencies,
        default=(1, 4),
        help="comma-separated connection counts, one phase each (default 1,4)",
    )
    mllp.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    mllp.set_defaults(func=run_mllp)

    web = which.add_parser(
        "web",
        help="the web console's desk page over HTTPS against the gRPC lookup, in one run",
        description="Serve the lookup world of `hub bench lookup` through both the gRPC "
        "server and the web console, drive the desk's lookup page (POST /desk, client "
        "certificates) and the gRPC lookup at each concurrency, and print pages/s and "
        "p50/p99 beside each other. Prints figures; never asserts them.",
    )
    web.add_argument("--children", type=positive_int, default=100_000)
    web.add_argument(
        "--concurrency",
        type=_concurrencies,
        default=(1, 2, 4, 8),
        help="comma-separated requests in flight, one phase each (default 1,2,4,8)",
    )
    web.add_argument("--seconds", type=float, default=5.0, help="measured seconds per phase")
    web.add_argument("--warmup", type=float, default=1.0, help="seconds before measuring")
    web.add_argument("--rounds", type=positive_int, default=1, help="interleaved rounds")
    web.add_argument("--data-dir", type=Path, help="keep (and reuse) the loaded store here")
    web.add_argument(
        "--processes",
        type=positive_int,
        default=1,
        help="server processes, each serving gRPC and the console, as `hub serve --processes`",
    )
    web.set_defaults(func=run_web)


def run_web(args: argparse.Namespace, system: System) -> int:
    from bench.web_bench import WebBenchOptions, run_web_bench

    options = WebBenchOptions(
        children=args.children,
        concurrencies=args.concurrency,
        seconds=args.seconds,
        warmup=args.warmup,
        rounds=args.rounds,
        data_dir=args.data_dir,
        processes=args.processes,
    )
    for line in run_web_bench(options).lines():
        print(line)
    return 0


def _concurrencies(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of integers: {text!r}") from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("concurrencies must be positive integers")
    return values


def run_ingest(args: argparse.Namespace, system: System) -> int:
    from bench.ingest_bench import run_ingest_bench

    settings = system.settings
    result = run_ingest_bench(
        args.bootstrap or settings.kafka_bootstrap,
        args.events,
        args.batch_size,
        decode_processes(args, settings),
    )
    for line in result.lines():
        print(line)
    return 0


def run_lookup(args: argparse.Namespace, system: System) -> int:
    from bench.lookup_bench import run_lookup_bench
    from bench.lookup_result import LookupBenchOptions

    options = LookupBenchOptions(
        children=args.children,
        concurrencies=(1, 2, 4, 8, 16) if args.sweep else args.concurrency,
        seconds=args.seconds,
        warmup=args.warmup,
        workers=args.workers,
        connections=args.connections,
        plan_share=args.plan_share,
        unknown_share=args.unknown_share,
        data_dir=args.data_dir,
        seed=args.seed,
        sequential=args.sequential,
        profile=args.profile,
        **({} if args.switch_interval is None else {"switch_interval_ms": args.switch_interval}),
        processes=args.processes,
        rounds=args.rounds,
    )
    result = run_lookup_bench(options)
    for line in result.lines():
        print(line)
    return 0


def run_alerts(args: argparse.Namespace, system: System) -> int:
    from bench.alerts_bench import run_alerts_bench

    result = run_alerts_bench(
        args.bootstrap or system.settings.kafka_bootstrap,
        children=args.children,
        seconds=args.seconds,
        probe_interval=args.probe_interval,
        background_rate=args.background_rate,
        work_dir=args.work_dir,
    )
    for line in result.lines():
        print(line)
    return 0


def run_identity(args: argparse.Namespace, system: System) -> int:
    from bench.identity_bench import IdentityBenchOptions, run_identity_bench

    result = run_identity_bench(
        IdentityBenchOptions(
            children=args.children,
            hard_cases=args.hard_cases,
            seed=args.seed,
            batch_size=args.batch_size,
            store=args.store,
            baseline=not args.no_baseline,
        )
    )
    for line in result.lines():
        print(line)
    return 0


def run_documents(args: argparse.Namespace, system: System) -> int:
    from bench.documents_bench import run_documents_bench

    result = run_documents_bench(args.children, args.processes, args.seed, args.data_dir)
    for line in result.lines():
        print(line)
    return 0


def run_mllp(args: argparse.Namespace, system: System) -> int:
    from bench.mllp_bench import run_mllp_bench

    result = run_mllp_bench(
        args.bootstrap or system.settings.kafka_bootstrap, args.messages, args.connections
    )
    for line in result.lines():
        print(line)
    return 0
