"""What ``hub bench lookup`` was asked and what it prints: options, figures, the verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bench.lookup_store import LoadReport
from bench.phases import PhaseResult, per_round_lines, pool_rounds, summary
from bench.stats import percentile
from hub.lookup.server import SWITCH_INTERVAL_MS


@dataclass(frozen=True)
class LookupBenchOptions:
    children: int = 10_000
    concurrencies: tuple[int, ...] = (8,)
    seconds: float = 15.0
    warmup: float = 3.0
    workers: int = 8
    connections: int = 1
    plan_share: float = 0.25
    unknown_share: float = 0.05
    data_dir: Path | None = None
    seed: int = 1
    sequential: int = 300
    profile: bool = False
    switch_interval_ms: float = SWITCH_INTERVAL_MS  # the server's GIL switch interval
    processes: int = 1  # server processes on the port (as `hub serve --processes`)
    rounds: int = 1  # the concurrencies repeated, interleaved; each one's rounds pooled


@dataclass
class LookupBenchResult:
    load: LoadReport
    options: LookupBenchOptions
    on_plan: int
    sequential_lookup: list[float] = field(default_factory=list)
    sequential_audit: list[float] = field(default_factory=list)
    profile: str = ""
    phases: list[PhaseResult] = field(default_factory=list)
    switch_interval_ms: float = 5.0
    views_caught_up: tuple[int, float] = (0, 0.0)  # events read into the read model, seconds

    def lines(self) -> list[str]:
        load, options = self.load, self.options
        how = f"reused, loaded on {load.loaded_on} in" if load.reused else "loaded in"
        out = [
            f"children: {load.children:,} ({self.on_plan:,} on a plan), {load.events:,} events, "
            f"{how} {load.seconds:,.1f} s ({load.children / max(load.seconds, 1e-9):,.0f} "
            f"children/s)",
            f"lookups by NHS number: {options.plan_share:.0%} children on a plan, "
            f"{options.unknown_share:.0%} unknown numbers, the rest other children; "
            f"{options.processes} server process(es) of {options.workers} workers, "
            f"{options.connections} connection(s), GIL switch "
            f"interval {self.switch_interval_ms:g} ms, "
            f"{options.seconds:g} s measured after {options.warmup:g} s warm-up"
            + (f", {options.rounds} rounds pooled" if options.rounds > 1 else ""),
        ]
        events, seconds = self.views_caught_up
        out.append(
            f"lookup read model: {events:,} events applied at start in {seconds:,.1f} s "
            "(0 when kept from an earlier run)"
        )
        if self.sequential_lookup:
            share = sum(self.sequential_audit) / sum(self.sequential_lookup)
            out.append(
                f"sequential, in process, no gRPC ({len(self.sequential_lookup)} lookups): "
                f"p50 {_ms(self.sequential_lookup, 0.5):.2f} ms, "
                f"p99 {_ms(self.sequential_lookup, 0.99):.2f} ms; audit append "
                f"p50 {_ms(self.sequential_audit, 0.5):.2f} ms, "
                f"p99 {_ms(self.sequential_audit, 0.99):.2f} ms ({share:.0%} of the time)"
            )
        out.append(
            f"{'C':>3} {'kind':<7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'srv CPU':>8} {'cli CPU':>8}"
        )
        by_key = {(p.kind, p.concurrency): p for p in pool_rounds(self.phases)}
        for concurrency in options.concurrencies:
            for kind in ("lookup", "health"):
                p = by_key.get((kind, concurrency))
                if p is None:
                    continue
                out.append(
                    f"{concurrency:>3} {kind:<7} {p.requests:>9,} {p.throughput:>8,.0f} "
                    f"{p.percentile(0.5):>8.2f} {p.percentile(0.99):>8.2f} "
                    f"{sum(p.errors.values()):>7} {p.server_cpu:>8.2f} {p.client_cpu:>8.2f}"
                )
            lookup, check = by_key.get(("lookup", concurrency)), by_key.get(("health", concurrency))
            if lookup is None or check is None:
                continue
            out.append(
                f"    ratio lookup/health: throughput {lookup.throughput / check.throughput:.3f}, "
                f"p99 {lookup.percentile(0.99) / check.percentile(0.99):.1f}"
            )
            if lookup.service:
                share = sum(lookup.audit) / sum(lookup.service)
                out.append(
                    f"    server side: lookup service p50 {_ms(lookup.service, 0.5):.2f} "
                    f"p99 {_ms(lookup.service, 0.99):.2f} ms, of which audit append "
                    f"p50 {_ms(lookup.audit, 0.5):.2f} "
                    f"p99 {_ms(lookup.audit, 0.99):.2f} ms ({share:.0%})"
                )
            if lookup.outcomes or lookup.errors:
                found = ", ".join(f"{k} {v}" for k, v in sorted(lookup.outcomes.items()))
                failed = ", ".join(f"{k} {v}" for k, v in sorted(lookup.errors.items()))
                out.append(f"    outcomes: {found}" + (f"; errors: {failed}" if failed else ""))
        out += per_round_lines([p for p in self.phases if p.kind == "lookup"])
        out += summary([p for p in pool_rounds(self.phases) if p.kind == "lookup"])
        if self.profile:
            out += ["", "profile of the sequential pass (cumulative time):", self.profile]
        return out


def _ms(seconds: list[float], share: float) -> float:
    """A percentile of durations in seconds, in milliseconds."""
    return 1000 * percentile(seconds, share)
