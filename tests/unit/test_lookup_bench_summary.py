"""The lookup benchmark's summary: highest throughput, best within the goal, the plateau's p99."""

from __future__ import annotations

from collections import Counter

from bench.lookup_result import LookupBenchOptions, LookupBenchResult
from bench.lookup_store import LoadReport
from bench.phases import PhaseResult, per_round_lines, pool_rounds


def _phase(concurrency: int, requests: int, latency_ms: float, round_: int = 1) -> PhaseResult:
    return PhaseResult("lookup", concurrency, 10.0, [latency_ms / 1000] * requests, round=round_)


def _summary(phases: list[PhaseResult]) -> list[str]:
    load = LoadReport(100, 300, 1.0, "2026-11-23", True, 100, 0)
    result = LookupBenchResult(load, LookupBenchOptions(), 10, phases=phases)
    return result.lines()[-2:]


def test_summary_compares_the_highest_throughput_with_the_highest_within_the_goal() -> None:
    """C=4 is fastest but over 10 ms; C=2 is the best within it, at 97.5% of the highest."""
    line = _summary([_phase(1, 3000, 3.0), _phase(2, 3900, 6.0), _phase(4, 4000, 12.0)])[0]

    assert line == (
        "highest lookup throughput: 400/s at C = 4 (p99 12.00 ms); highest with p99 under "
        "10 ms: 390/s at C = 2 (p99 6.00 ms, 97.5% of the highest)"
    )


def test_the_goal_is_read_where_the_plateau_begins() -> None:
    """C=2 is within 5% of the highest (C=4): the plateau starts there, and its p99 decides."""
    plateau = _summary([_phase(1, 3000, 3.0), _phase(2, 3900, 6.0), _phase(4, 4000, 12.0)])[1]

    assert plateau == (
        "plateau (throughput within 5% of the highest) from C = 2: 390/s, p99 6.00 ms; "
        "goal (p99 under 10 ms at the highest sustained throughput) met"
    )


def test_a_plateau_that_starts_over_the_goal_is_not_met() -> None:
    """C=2 is 10% below the highest: the plateau starts at C=4, whose p99 is 12 ms."""
    plateau = _summary([_phase(2, 3600, 6.0), _phase(4, 4000, 12.0), _phase(8, 3950, 20.0)])[1]

    assert plateau.startswith("plateau (throughput within 5% of the highest) from C = 4")
    assert plateau.endswith("goal (p99 under 10 ms at the highest sustained throughput) not met")


def test_summary_says_when_no_concurrency_met_the_goal() -> None:
    """Every phase over 10 ms: said plainly."""
    line = _summary([_phase(1, 100, 15.0)])[0]

    assert line.endswith("no concurrency kept p99 under 10 ms")


def test_rounds_are_pooled_per_concurrency() -> None:
    """Two rounds of C=2: requests over the total time, percentiles over every request."""
    first = _phase(2, 100, 2.0, round_=1)
    first.errors = Counter({"UNAVAILABLE": 1})
    first.server_cpu = 1.0
    second = _phase(2, 300, 40.0, round_=2)
    second.server_cpu = 0.5
    other = _phase(4, 50, 5.0)

    pooled = {p.concurrency: p for p in pool_rounds([first, other, second])}

    assert pooled[2].requests == 400
    assert pooled[2].throughput == 20.0
    assert pooled[2].percentile(0.25) == 2.0
    assert pooled[2].percentile(0.99) == 40.0
    assert pooled[2].errors == Counter({"UNAVAILABLE": 1})
    assert pooled[2].server_cpu == 0.75
    assert pooled[2].round == 2
    assert pooled[4].requests == 50


def test_rounds_are_listed_side_by_side_only_when_there_are_several() -> None:
    """Each concurrency's rounds in round order; one round each gives no extra lines."""
    assert per_round_lines([_phase(1, 100, 3.0), _phase(2, 100, 3.0)]) == []
    lines = per_round_lines([_phase(2, 200, 6.0, 2), _phase(2, 100, 3.0, 1)])
    assert lines == ["lookups per round, lookups/s (p99 ms):", "  C =  2: 10 (3.00), 20 (6.00)"]
