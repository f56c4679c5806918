"""The lookup benchmark's summary names the highest throughput and the highest within the goal."""

from __future__ import annotations

from hub.bench.lookup_bench import LoadReport, LookupBenchOptions, LookupBenchResult, PhaseResult


def _phase(concurrency: int, requests: int, latency_ms: float) -> PhaseResult:
    return PhaseResult("lookup", concurrency, 10.0, [latency_ms / 1000] * requests)


def _summary(phases: list[PhaseResult]) -> str:
    load = LoadReport(100, 300, 1.0, "2026-11-23", True, 100, 0)
    result = LookupBenchResult(load, LookupBenchOptions(), 10, phases=phases)
    return result.lines()[-1]


def test_summary_compares_the_highest_throughput_with_the_highest_within_the_goal() -> None:
    """C=4 is fastest but over 10 ms; C=2 is the best within it, at 97.5% of the highest."""
    line = _summary([_phase(1, 3000, 3.0), _phase(2, 3900, 6.0), _phase(4, 4000, 12.0)])

    assert line == (
        "highest lookup throughput: 400/s at C = 4 (p99 12.00 ms); highest with p99 under "
        "10 ms: 390/s at C = 2 (p99 6.00 ms, 97.5% of the highest)"
    )


def test_summary_says_when_no_concurrency_met_the_goal() -> None:
    """Every phase over 10 ms: said plainly."""
    line = _summary([_phase(1, 100, 15.0)])

    assert line.endswith("no concurrency kept p99 under 10 ms")
