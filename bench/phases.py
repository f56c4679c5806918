"""Phases of the lookup benchmark: one concurrency and request kind, their rounds, the verdict.

A closed-loop load generator keeps C requests in flight. Once C is high enough
to keep the server's CPU busy, throughput stops rising (the plateau) and every
further request in flight only waits: by Little's law the mean latency is then
C divided by the throughput, so latency grows with C while throughput does not.
The goal (p99 under 10 ms at the highest throughput the machine sustains) is
therefore read where the plateau begins: the lowest concurrency whose
throughput is within ``PLATEAU_TOLERANCE`` of the highest measured. The
highest itself, and its p99, are printed too.

This machine's speed drifts (docs/benchmarks.md), so a sweep can be repeated
in rounds, interleaved (every concurrency once per round), and each
concurrency's rounds are pooled: requests over total time, percentiles over
every request.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.stats import percentile

P99_GOAL_MS = 10.0  # a lookup's goal (F1: no slow screens), at the highest sustained throughput
PLATEAU_TOLERANCE = 0.05  # throughput within 5% of the highest counts as the plateau


@dataclass
class PhaseResult:
    kind: str
    concurrency: int
    window: float
    latencies: list[float]  # seconds, requests completed inside the measured window
    errors: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    client_cpu: float = 0.0  # cores used by the load generator in the window
    server_cpu: float = 0.0  # filled in by the server side
    service: list[float] = field(default_factory=list)
    audit: list[float] = field(default_factory=list)
    round: int = 1

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.requests / self.window if self.window else 0.0

    def percentile(self, share: float, values: list[float] | None = None) -> float:
        """A percentile of this phase's latencies (or of ``values``), in milliseconds."""
        return percentile(self.latencies if values is None else values, share) * 1000


def pool_rounds(phases: Sequence[PhaseResult]) -> list[PhaseResult]:
    """One phase per (kind, concurrency): the rounds' requests over their total time.

    CPU figures are averaged weighted by each round's window. Order: first appearance.
    """
    groups: dict[tuple[str, int], list[PhaseResult]] = {}
    for phase in phases:
        groups.setdefault((phase.kind, phase.concurrency), []).append(phase)
    pooled = []
    for (kind, concurrency), rounds in groups.items():
        window = sum(p.window for p in rounds)
        merged = PhaseResult(kind, concurrency, window, [], round=len(rounds))
        for p in rounds:
            merged.latencies.extend(p.latencies)
            merged.errors.update(p.errors)
            merged.outcomes.update(p.outcomes)
            merged.service.extend(p.service)
            merged.audit.extend(p.audit)
        if window:
            merged.client_cpu = sum(p.client_cpu * p.window for p in rounds) / window
            merged.server_cpu = sum(p.server_cpu * p.window for p in rounds) / window
        pooled.append(merged)
    return pooled


def summary(lookups: Sequence[PhaseResult]) -> list[str]:
    """The highest throughput, the highest within the goal, and the goal read at the plateau."""
    measured = [p for p in lookups if p.requests]
    if not measured:
        return []
    best = max(measured, key=lambda p: p.throughput)
    line = (
        f"highest lookup throughput: {best.throughput:,.0f}/s at C = {best.concurrency} "
        f"(p99 {best.percentile(0.99):.2f} ms)"
    )
    within = [p for p in measured if p.percentile(0.99) < P99_GOAL_MS]
    if within:
        fast = max(within, key=lambda p: p.throughput)
        line += (
            f"; highest with p99 under {P99_GOAL_MS:g} ms: {fast.throughput:,.0f}/s at "
            f"C = {fast.concurrency} (p99 {fast.percentile(0.99):.2f} ms, "
            f"{fast.throughput / best.throughput:.1%} of the highest)"
        )
    else:
        line += f"; no concurrency kept p99 under {P99_GOAL_MS:g} ms"
    knee = plateau_start(measured)
    p99 = knee.percentile(0.99)
    verdict = "met" if p99 < P99_GOAL_MS else "not met"
    return [
        line,
        f"plateau (throughput within {PLATEAU_TOLERANCE:.0%} of the highest) from "
        f"C = {knee.concurrency}: {knee.throughput:,.0f}/s, p99 {p99:.2f} ms; goal "
        f"(p99 under {P99_GOAL_MS:g} ms at the highest sustained throughput) {verdict}",
    ]


def plateau_start(lookups: Sequence[PhaseResult]) -> PhaseResult:
    """The lowest concurrency whose throughput is within the tolerance of the highest."""
    highest = max(p.throughput for p in lookups)
    on_plateau = [p for p in lookups if p.throughput >= (1 - PLATEAU_TOLERANCE) * highest]
    return min(on_plateau, key=lambda p: p.concurrency)


def per_round_lines(lookups: Sequence[PhaseResult]) -> list[str]:
    """Each concurrency's rounds side by side: lookups/s and p99, to show the drift."""
    by_concurrency: dict[int, list[PhaseResult]] = {}
    for phase in lookups:
        by_concurrency.setdefault(phase.concurrency, []).append(phase)
    if all(len(rounds) < 2 for rounds in by_concurrency.values()):
        return []
    lines = ["lookups per round, lookups/s (p99 ms):"]
    for concurrency, rounds in by_concurrency.items():
        figures = ", ".join(
            f"{p.throughput:,.0f} ({p.percentile(0.99):.2f})"
            for p in sorted(rounds, key=lambda p: p.round)
        )
        lines.append(f"  C = {concurrency:>2}: {figures}")
    return lines
