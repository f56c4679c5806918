"""What ``hub bench alerts`` prints: latency from publish to email, its stages, the baseline."""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.stats import percentile

GRACE_SECONDS = 30.0  # after the last probe, for alerts still on their way


@dataclass(frozen=True)
class AlertsBenchResult:
    """Figures of one run; ``lines()`` is what to print."""

    children: int
    probe_interval: float
    background_target: float
    background_sent: int
    background_seconds: float
    probes_sent: int
    probe_limit_reason: str | None
    latencies_ms: list[float]  # delivered probes only
    ack_ms: list[float]  # producer send -> broker ack, per probe
    other_emails: int  # emails during the probes that match no probe (expected 0)
    baseline_ms: list[float]
    stages_ms: dict[str, list[float]]
    ingest_backlog: int | None  # agency messages not yet committed when the probes ended
    cpu_percent: dict[str, float]
    load_average: float | None = None  # 1-minute load average as the probes ended
    problems: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return len(self.latencies_ms)

    @property
    def background_rate(self) -> float:
        return self.background_sent / self.background_seconds if self.background_seconds else 0.0

    def lines(self) -> list[str]:
        def ms(values: Sequence[float], fraction: float) -> str:
            value = percentile(values, fraction)
            return "-" if math.isnan(value) else f"{value:,.0f}"

        missing = self.probes_sent - self.delivered
        p99 = percentile(self.latencies_ms, 0.99)
        met = self.delivered > 0 and missing == 0 and p99 < 1000
        lines = [
            f"alerts bench: {self.children} children on a CP plan, a probe every "
            f"{self.probe_interval:g} s",
            f"  background ingest:  target {self.background_target:,.0f} events/s, sent "
            f"{self.background_rate:,.0f} events/s ({self.background_sent:,} school absences "
            f"in {self.background_seconds:.1f} s)",
            f"  probes sent:        {self.probes_sent} A&E arrivals"
            + (f" ({self.probe_limit_reason})" if self.probe_limit_reason else ""),
            f"  alerts delivered:   {self.delivered}"
            + (f" ({missing} not within {GRACE_SECONDS:.0f} s)" if missing else "")
            + f"; other emails {self.other_emails}",
            f"  publish -> email:   p50 {ms(self.latencies_ms, 0.5)} ms, "
            f"p99 {ms(self.latencies_ms, 0.99)} ms, max {ms(self.latencies_ms, 1.0)} ms "
            f"(count {self.delivered})",
        ]
        for name, values in self.stages_ms.items():
            lines.append(
                f"    {name + ':':<32}p50 {ms(values, 0.5):>6} ms, p99 {ms(values, 0.99):>6} ms"
            )
        lines.append(
            f"  probe send -> ack:  p50 {ms(self.ack_ms, 0.5)} ms, p99 {ms(self.ack_ms, 0.99)} ms"
        )
        base50 = percentile(self.baseline_ms, 0.5)
        base99 = percentile(self.baseline_ms, 0.99)
        lines.append(
            f"  kafka baseline:     p50 {base50:,.1f} ms, p99 {base99:,.1f} ms ".replace("nan", "-")
            + f"(produce -> consume, spare topic, {len(self.baseline_ms)} pings)"
        )
        if self.delivered and self.baseline_ms:
            lines.append(
                f"  ratio hub/baseline: p50 {percentile(self.latencies_ms, 0.5) / base50:,.0f}x, "
                f"p99 {p99 / base99:,.0f}x"
            )
        if self.ingest_backlog is not None:
            lines.append(
                f"  ingest backlog when probes ended: {self.ingest_backlog:,} agency messages"
            )
        if self.cpu_percent:
            cpu = ", ".join(f"{name} {value:.0f}%" for name, value in self.cpu_percent.items())
            lines.append(f"  CPU during probes (of one core; {os.cpu_count()} cores): {cpu}")
        if self.load_average is not None:
            lines.append(
                f"  machine load average (1 min) as the probes ended: {self.load_average:.1f}"
            )
        verdict = "met" if met else "NOT met"
        why = f"p99 {ms(self.latencies_ms, 0.99)} ms" + (
            f", {missing} probes undelivered" if missing else ""
        )
        lines.append(f"  goal p99 < 1000 ms: {verdict} ({why})")
        lines += [f"  problem: {problem}" for problem in self.problems]
        return lines
