"""``hub bench web``: the desk's lookup page over HTTPS against the gRPC lookup, in one run.

The lookup benchmark's population (``bench.lookup_population``) is loaded into a
SQLite store (or reused), then the hub is wired by the composition root as
``hub serve`` wires it: one lookup service behind the gRPC server and the web
console (each behind its mutual-TLS front), in this process (or, with ``processes``,
in that many server processes sharing both ports, as ``hub serve --processes``). For each
concurrency C, in interleaved rounds, a client process keeps C desk pages in
flight (``bench.web_client``: POST /desk with an NHS number, each browser on
its own keep-alive connection) and then another keeps C gRPC lookups in flight
(``bench.lookup_client``, one connection), each for a fixed time after a
warm-up. Prints pages/s and p50/p99 beside the gRPC figures, the server's CPU
time per page and per lookup (this process's, over the measured window: a figure
that other work on the machine does not inflate the way it does wall-clock
percentiles), and the load average; never asserts them.
"""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.lookup_client import Job, Mix, load_generator, prepare_certificates
from bench.lookup_population import build_population, organisations_csv
from bench.lookup_store import prepare_store
from bench.phases import PhaseResult, plateau_start, pool_rounds
from bench.procstat import process_cpu_seconds
from bench.web_client import web_load_generator
from hub.access.organisations import OrganisationDirectory, directory_path
from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.lookup.server import use_switch_interval

P99_RATIO_GOAL = 1.5  # the page's p99 within 1.5 times the gRPC lookup's, same concurrency
P99_PAGE_GOAL_MS = 20.0  # and under 20 ms where the page's throughput plateaus


@dataclass(frozen=True)
class WebBenchOptions:
    children: int = 100_000
    concurrencies: tuple[int, ...] = (1, 2, 4, 8)
    seconds: float = 5.0
    warmup: float = 1.0
    rounds: int = 1
    seed: int = 1
    plan_share: float = 0.3
    unknown_share: float = 0.1
    data_dir: Path | None = None
    processes: int = 1  # server processes, each serving gRPC and the console (hub serve)


def cpu_ms_per_request(phase: PhaseResult) -> float:
    """The server's CPU milliseconds per request completed in the phase's window."""
    return phase.server_cpu * phase.window / max(phase.requests, 1) * 1000


@dataclass
class WebBenchResult:
    options: WebBenchOptions
    phases: list[PhaseResult] = field(default_factory=list)
    load: tuple[float, float] = (0.0, 0.0)  # the machine's 1-minute load average, start and end

    def lines(self) -> list[str]:
        pooled = pool_rounds(self.phases)
        web = {p.concurrency: p for p in pooled if p.kind == "web"}
        grpc = {p.concurrency: p for p in pooled if p.kind == "lookup"}
        lines = [
            f"hub bench web: {self.options.children:,} children, "
            f"{self.options.processes} server process(es), {self.options.rounds} round(s) "
            f"of {self.options.seconds:g} s per phase after {self.options.warmup:g} s warm-up; "
            f"load average {self.load[0]:.1f} at the start, {self.load[1]:.1f} at the end",
            "desk page: POST /desk over HTTPS with a client certificate, one keep-alive "
            "connection per page in flight; gRPC: ChildLookup/Lookup, one connection; "
            "cpu: the server's CPU ms per request",
            f"{'C':>3} {'pages/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'cpu':>6} {'errors':>7}   "
            f"{'grpc/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'cpu':>6}   {'p99 ratio':>9}",
        ]
        for concurrency in sorted(web):
            page, call = web[concurrency], grpc.get(concurrency)
            row = (
                f"{concurrency:>3} {page.throughput:>9,.0f} {page.percentile(0.5):>8.2f} "
                f"{page.percentile(0.99):>8.2f} {cpu_ms_per_request(page):>6.2f} "
                f"{sum(page.errors.values()):>7}"
            )
            if call is not None and call.requests:
                ratio = page.percentile(0.99) / max(call.percentile(0.99), 1e-9)
                row += (
                    f"   {call.throughput:>8,.0f} {call.percentile(0.5):>8.2f} "
                    f"{call.percentile(0.99):>8.2f} {cpu_ms_per_request(call):>6.2f}   "
                    f"{ratio:>9.2f}"
                )
            lines.append(row)
        lines.extend(self._verdict(web, grpc))
        return lines

    def _verdict(self, web: dict[int, PhaseResult], grpc: dict[int, PhaseResult]) -> list[str]:
        measured = [p for p in web.values() if p.requests]
        if not measured:
            return ["no desk page completed"]
        knee = plateau_start(measured)
        within = [
            c
            for c, p in web.items()
            if c in grpc
            and grpc[c].requests
            and p.percentile(0.99) <= P99_RATIO_GOAL * grpc[c].percentile(0.99)
        ]
        p99 = knee.percentile(0.99)
        met = ", ".join(map(str, sorted(within))) or "none"
        return [
            f"page p99 within {P99_RATIO_GOAL:g}x the gRPC lookup's at C = {met} "
            f"of {', '.join(map(str, sorted(web)))}",
            f"page plateau from C = {knee.concurrency}: {knee.throughput:,.0f} pages/s, p99 "
            f"{p99:.2f} ms ({'under' if p99 < P99_PAGE_GOAL_MS else 'not under'} "
            f"{P99_PAGE_GOAL_MS:g} ms)",
        ]


def run_web_bench(options: WebBenchOptions) -> WebBenchResult:
    if options.data_dir is not None:
        return _run(options, options.data_dir)
    with tempfile.TemporaryDirectory(prefix="hub-bench-web-") as directory:
        return _run(options, Path(directory))


def _run(options: WebBenchOptions, data_dir: Path) -> WebBenchResult:
    data_dir.mkdir(parents=True, exist_ok=True)
    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused:0")
    population = build_population(options.children, options.seed)
    prepare_store(settings, population, options.seed)
    prepare_certificates(settings.certs_dir)
    on_plan, others = population.numbers()
    mix = Mix(on_plan, others, list(population.unknown), options.plan_share, options.unknown_share)
    result = WebBenchResult(options)
    started_load = os.getloadavg()[0]
    with _servers(options, settings) as (web_port, grpc_port, cpu_seconds):
        connections = max(1, options.processes)  # a gRPC connection stays with one process
        result.phases = _drive(
            options,
            [
                ("web", web_load_generator, (f"127.0.0.1:{web_port}", settings.certs_dir)),
                (
                    "lookup",
                    load_generator,
                    (f"127.0.0.1:{grpc_port}", settings.certs_dir, connections),
                ),
            ],
            mix,
            cpu_seconds,
        )
    result.load = (started_load, os.getloadavg()[0])
    return result


@contextmanager
def _servers(
    options: WebBenchOptions, settings: Settings
) -> Iterator[tuple[int, int, Callable[[], float]]]:
    """The console and gRPC ports, and the servers' CPU seconds so far.

    One process (this one) as ``hub serve`` does by default, or ``options.processes``
    server processes each serving both, as ``hub serve --processes`` does.
    """
    if options.processes > 1:
        directory = directory_path(settings.data_dir)
        directory.parent.mkdir(parents=True, exist_ok=True)
        directory.write_text(organisations_csv(), encoding="utf-8")
        group = LookupProcesses(
            ServeOptions(settings, "127.0.0.1:0", web_address="127.0.0.1:0"), options.processes
        )
        grpc_port = group.start()
        try:
            assert group.web_port is not None
            yield group.web_port, grpc_port, lambda: _cpu_seconds(group.pids)
        finally:
            group.stop()
        return
    system = bootstrap(settings, directory=OrganisationDirectory.parse(organisations_csv()))
    use_switch_interval()  # as hub serve and hub web
    lookup = system.lookup()
    alerts = system.alerts()
    grpc_server, grpc_port = system.lookup_server(lookup, "127.0.0.1:0")
    web_server, web_port = system.web_server(system.console_parts(lookup, alerts), "127.0.0.1:0")
    try:
        yield web_port, grpc_port, time.process_time
    finally:
        web_server.stop()
        grpc_server.stop(0)
        alerts.close()
        lookup.close()


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU seconds of these processes so far (0 for any unreadable)."""
    return sum(process_cpu_seconds(pid) or 0.0 for pid in pids)


Generator = tuple[str, Callable[..., None], tuple[Any, ...]]


def _drive(
    options: WebBenchOptions,
    generators: Sequence[Generator],
    mix: Mix,
    cpu_seconds: Callable[[], float],
) -> list[PhaseResult]:
    context = multiprocessing.get_context("spawn")  # no fork: gRPC's threads do not survive it
    clients = []
    for kind, target, arguments in generators:
        ours, theirs = context.Pipe()
        process = context.Process(
            target=target, args=(theirs, *arguments, mix, options.seed), name=f"bench-{kind}"
        )
        process.start()
        theirs.close()
        clients.append((kind, ours, process))
    phases: list[PhaseResult] = []
    try:
        for number in range(1, options.rounds + 1):
            for concurrency in options.concurrencies:
                for kind, conn, _ in clients:
                    job_kind = "lookup" if kind == "lookup" else "web"
                    conn.send(Job(job_kind, concurrency, options.seconds, options.warmup, number))
                    if conn.recv() != "measuring":
                        raise RuntimeError("a load generator lost step")
                    cpu = cpu_seconds()
                    phase: PhaseResult = conn.recv()
                    # Cores over the window (the last requests' tail included: about).
                    phase.server_cpu = (cpu_seconds() - cpu) / max(phase.window, 1e-9)
                    phases.append(phase)
        for _, conn, _ in clients:
            conn.send(None)
    finally:
        for _, conn, process in clients:
            process.join(timeout=30)
            if process.is_alive():
                process.terminate()
                process.join()
            conn.close()
    return phases
