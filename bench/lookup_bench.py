"""``hub bench lookup``: A&E lookup latency and throughput against the gRPC health check.

One run, one server, two request kinds:

1. *load*: N synthetic children go into a SQLite store through the hub application
   (no Kafka: the events are encoded and fed to ``HubApplication.ingest`` in chunks).
   Every child has one to five A&E attendances at four sites over the last 13 months;
   about one household in seven has child protection plans for all its children (some
   current, some ended in the last year, some both, a few looked after), and a third of
   those had a police domestic abuse notification at home in the last three weeks. A
   ``--data-dir`` that already holds a store of the same N is reused (the marker file
   ``bench-lookup.json`` says what it holds).
2. *serve*: the real lookup server (``create_server``: the mutual-TLS front, gRPC, the
   lookup service over a non-worker application, the audit log with its fsync) runs in
   this process. A load generator in a second process (so that it does not take the
   server's GIL) keeps C requests in flight over one mutual-TLS connection (closed loop)
   for a fixed time after a warm-up, timing each request: first A&E lookups by NHS
   number (a mix of children on a plan, other children and unknown numbers), then
   ``grpc.health.v1.Health/Check`` through the same connection and front.

The health check measures what every call pays (TLS front, HTTP/2, the gRPC server's
thread pool); the ratio of the two is what to compare between runs on a shared machine.
The server also times, per lookup, the lookup service and its audit append, and a short
sequential pass without gRPC gives the cost of one lookup on an idle server.
"""

from __future__ import annotations

import cProfile
import gc
import io
import multiprocessing
import pstats
import random
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.lookup_client import DESK, Job, Mix, load_generator, prepare_certificates
from bench.lookup_population import build_population, organisations_csv
from bench.lookup_result import LookupBenchOptions, LookupBenchResult
from bench.lookup_store import prepare_store
from bench.lookup_timing import TimedAuditLog, TimedLookupService, Timings
from bench.phases import PhaseResult
from bench.procstat import process_cpu_seconds
from hub.access.organisations import OrganisationDirectory, directory_path
from hub.application.hub_app import HubApplication
from hub.bootstrap import build_application
from hub.config import Settings
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.lookup.server import (
    ServerTls,
    create_server,
    freeze_startup_heap,
    use_switch_interval,
)
from hub.lookup.service import LOOKUP_ENTRY_KINDS, LookupQuery
from hub.lookup.views import LookupViews
from hub.policy.loader import load_policy


def _sequential_pass(
    service: TimedLookupService,
    audit: TimedAuditLog,
    mix: Mix,
    count: int,
    seed: int,
    profile: bool,
) -> tuple[list[float], list[float], str]:
    rng = random.Random(seed + 17)
    queries = [LookupQuery(nhs_number=mix.pick(rng), purpose="direct-care") for _ in range(count)]
    for query in queries[:20]:  # warm-up: imports, SQLite page cache, policy caches
        service.lookup(DESK, query, "bench-sequential")
    service.timings.take()
    audit.timings.take()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    for query in queries:
        service.lookup(DESK, query, "bench-sequential")
    if profiler is None:
        return service.timings.take(), audit.timings.take(), ""
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
    return service.timings.take(), audit.timings.take(), text.getvalue()


def run_lookup_bench(options: LookupBenchOptions) -> LookupBenchResult:
    if options.data_dir is not None:
        return _run(options, options.data_dir)
    with tempfile.TemporaryDirectory(prefix="hub-bench-lookup-") as directory:
        return _run(options, Path(directory))


def _run(options: LookupBenchOptions, data_dir: Path) -> LookupBenchResult:
    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused:0")
    data_dir.mkdir(parents=True, exist_ok=True)
    population = build_population(options.children, options.seed)
    load = prepare_store(settings, population, options.seed)
    certs = data_dir / "certs"
    prepare_certificates(certs)
    on_plan, others = population.numbers()
    mix = Mix(on_plan, others, list(population.unknown), options.plan_share, options.unknown_share)
    result = LookupBenchResult(load, options, len(on_plan))

    app: HubApplication = build_application(settings)  # not a worker: no aggregate cache
    audit = TimedAuditLog(settings.audit_path, settings)
    views = LookupViews(app, settings.lookup_views_path, LOOKUP_ENTRY_KINDS)  # as `hub serve`
    started = time.perf_counter()
    result.views_caught_up = (views.catch_up(), time.perf_counter() - started)
    views.follow()  # as `hub serve`
    service = TimedLookupService(
        app, load_policy(), audit, OrganisationDirectory.parse(organisations_csv()), views=views
    )
    service.timings = Timings()
    try:
        if options.sequential:
            result.sequential_lookup, result.sequential_audit, result.profile = _sequential_pass(
                service, audit, mix, options.sequential, options.seed, options.profile
            )
        default_interval = sys.getswitchinterval()
        use_switch_interval(options.switch_interval_ms)
        result.switch_interval_ms = sys.getswitchinterval() * 1000
        if options.processes > 1:
            result.phases = _drive_processes(options, settings, certs, mix)
        else:
            server, port = create_server(
                "127.0.0.1:0", service, ServerTls.in_directory(certs), workers=options.workers
            )
            freeze_startup_heap()  # as `hub serve`
            try:
                result.phases = _drive(options, f"127.0.0.1:{port}", certs, mix, service, audit)
            finally:
                server.stop(0)
                gc.unfreeze()
        sys.setswitchinterval(default_interval)
    finally:
        audit.checkpoint()
        audit.close()
        views.close()
        app.close()
    return result


def _drive_processes(
    options: LookupBenchOptions, settings: Settings, certs: Path, mix: Mix
) -> list[PhaseResult]:
    """The same phases against ``options.processes`` server processes sharing one port.

    Server-side timings stay in those processes; their CPU is read from /proc.
    """
    directory = directory_path(settings.data_dir)
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text(organisations_csv(), encoding="utf-8")
    group = LookupProcesses(
        ServeOptions(
            settings,
            "127.0.0.1:0",
            options.workers,
            with_inbox=False,
            switch_interval_ms=options.switch_interval_ms,
        ),
        options.processes,
    )
    port = group.start()
    try:
        return _drive(
            options, f"127.0.0.1:{port}", certs, mix, None, None, lambda: _cpu_seconds(group.pids)
        )
    finally:
        group.stop()


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU seconds of these processes so far (0 for any unreadable)."""
    return sum(process_cpu_seconds(pid) or 0.0 for pid in pids)


def _drive(
    options: LookupBenchOptions,
    address: str,
    certs: Path,
    mix: Mix,
    service: TimedLookupService | None,
    audit: TimedAuditLog | None,
    server_cpu_seconds: Callable[[], float] = time.process_time,
) -> list[PhaseResult]:
    context = multiprocessing.get_context("spawn")  # no fork: gRPC's threads do not survive it
    ours, theirs = context.Pipe()
    process = context.Process(
        target=load_generator,
        args=(theirs, address, certs, options.connections, mix, options.seed),
        name="hub-bench-lookup-client",
    )
    process.start()
    theirs.close()
    phases: list[PhaseResult] = []
    try:
        runs = [
            (number, concurrency, kind)
            for number in range(1, options.rounds + 1)
            for concurrency in options.concurrencies
            for kind in ("lookup", "health")
        ]
        for number, concurrency, kind in runs:
            ours.send(Job(kind, concurrency, options.seconds, options.warmup, number))
            if ours.recv() != "measuring":
                raise RuntimeError("the load generator lost step")
            if service is not None and audit is not None:
                service.timings.take()
                audit.timings.take()
            cpu, wall = server_cpu_seconds(), time.perf_counter()
            phase: PhaseResult = ours.recv()
            phase.server_cpu = (server_cpu_seconds() - cpu) / (time.perf_counter() - wall)
            if service is not None and audit is not None:
                phase.service = service.timings.take()
                phase.audit = audit.timings.take()
            phases.append(phase)
        ours.send(None)
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()
        ours.close()
    return phases
