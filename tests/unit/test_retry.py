"""Delivery retries: what is retried, how often, and how long each wait is (full jitter)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from consumers.retry import (
    AttemptOutcome,
    DeliveryResult,
    DeliveryStatus,
    RetryPolicy,
    Verdict,
    deliver_with_retries,
)

TRANSIENT = AttemptOutcome(Verdict.TRANSIENT, "HTTP 503")
PERMANENT = AttemptOutcome(Verdict.PERMANENT, "HTTP 400")
SUCCESS = AttemptOutcome(Verdict.SUCCESS, "HTTP 200")


class Script:
    """Attempts that return the scripted outcomes in turn and note the numbers they were given."""

    def __init__(self, *outcomes: AttemptOutcome) -> None:
        self.outcomes = list(outcomes)
        self.numbers: list[int] = []

    def __call__(self, number: int) -> AttemptOutcome:
        self.numbers.append(number)
        return self.outcomes[min(len(self.numbers), len(self.outcomes)) - 1]


def run(
    script: Callable[[int], AttemptOutcome],
    policy: RetryPolicy,
    random: float = 0.5,
) -> tuple[DeliveryResult, list[float]]:
    """Deliver with a fixed random draw, noting the waits instead of sleeping."""
    waits: list[float] = []
    result = deliver_with_retries(script, policy, random=lambda: random, sleep=waits.append)
    return result, waits


def test_transient_failures_are_retried_until_an_attempt_succeeds() -> None:
    """Two 503s then a 200: delivered on attempt 3, attempts numbered from 1, two waits."""
    script = Script(TRANSIENT, TRANSIENT, SUCCESS)
    result, waits = run(script, RetryPolicy(max_attempts=5), random=0.5)
    assert DeliveryResult(DeliveryStatus.DELIVERED, 3, "HTTP 200") == result
    assert [1, 2, 3] == script.numbers
    assert [0.25, 0.5] == waits


def test_a_permanent_failure_is_not_retried() -> None:
    """A 400 ends the delivery at once, without a wait."""
    script = Script(PERMANENT)
    result, waits = run(script, RetryPolicy(max_attempts=5))
    assert (DeliveryResult(DeliveryStatus.FAILED_PERMANENTLY, 1, "HTTP 400"), []) == (
        result,
        waits,
    )
    assert [1] == script.numbers


def test_a_permanent_failure_after_transient_ones_ends_the_delivery() -> None:
    """503 then 400: two attempts, one wait, failed permanently with the 400's reason."""
    result, waits = run(Script(TRANSIENT, PERMANENT, SUCCESS), RetryPolicy(max_attempts=5))
    assert (DeliveryResult(DeliveryStatus.FAILED_PERMANENTLY, 2, "HTTP 400"), 1) == (
        result,
        len(waits),
    )


def test_the_delivery_gives_up_after_max_attempts_with_the_last_reason() -> None:
    """Always 503: exactly max_attempts attempts, one wait fewer, then gave up (dead-letter)."""
    script = Script(AttemptOutcome(Verdict.TRANSIENT, "timeout"))
    result, waits = run(script, RetryPolicy(max_attempts=4))
    assert DeliveryResult(DeliveryStatus.GAVE_UP, 4, "timeout") == result
    assert ([1, 2, 3, 4], 3, True) == (script.numbers, len(waits), result.should_dead_letter)


def test_one_attempt_allowed_means_no_retry() -> None:
    """max_attempts=1: a transient failure gives up at once, without sleeping."""
    result, waits = run(Script(TRANSIENT), RetryPolicy(max_attempts=1))
    assert (DeliveryResult(DeliveryStatus.GAVE_UP, 1, "HTTP 503"), []) == (result, waits)


def test_the_wait_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    """With the top random draw the waits are min(cap, base * 2**(n-1)): 0.5, 1, 2, 4, 4, 4."""
    policy = RetryPolicy(max_attempts=7, base_seconds=0.5, cap_seconds=4.0)
    _, waits = run(Script(TRANSIENT), policy, random=1.0)
    assert [0.5, 1.0, 2.0, 4.0, 4.0, 4.0] == waits


def test_full_jitter_scales_the_ceiling_by_the_random_draw() -> None:
    """A draw of 0.25 before the third retry (ceiling 2 s) waits 0.5 s; a draw of 0 waits 0."""
    policy = RetryPolicy(max_attempts=4, base_seconds=0.5, cap_seconds=4.0)
    assert [0.125, 0.25, 0.5] == run(Script(TRANSIENT), policy, random=0.25)[1]
    assert [0.0, 0.0, 0.0] == run(Script(TRANSIENT), policy, random=0.0)[1]


def test_the_jitter_is_drawn_afresh_before_each_retry() -> None:
    """Each wait takes its own draw from the random source."""
    draws = iter([0.5, 1.0, 0.0, 0.75, 0.9])
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_seconds=1.0, cap_seconds=30.0)
    deliver_with_retries(Script(TRANSIENT), policy, random=lambda: next(draws), sleep=waits.append)
    assert [0.5, 2.0, 0.0] == waits


def test_the_ceiling_stays_at_the_cap_however_many_retries() -> None:
    """Thousands of retries never overflow: the last wait is the cap."""
    policy = RetryPolicy(max_attempts=1200, base_seconds=0.5, cap_seconds=30.0)
    result, waits = run(Script(TRANSIENT), policy, random=1.0)
    assert (1200, 1199, 30.0) == (result.attempts, len(waits), waits[-1])


def test_retry_after_lengthens_the_wait_but_never_beyond_the_cap() -> None:
    """Retry-After 3 s beats a 0.5 s jitter; Retry-After 60 s is cut to the 4 s cap."""
    policy = RetryPolicy(max_attempts=2, base_seconds=0.5, cap_seconds=4.0)
    soon = AttemptOutcome(Verdict.TRANSIENT, "HTTP 429", retry_after_seconds=3.0)
    late = AttemptOutcome(Verdict.TRANSIENT, "HTTP 429", retry_after_seconds=60.0)
    assert [3.0] == run(Script(soon, SUCCESS), policy, random=1.0)[1]
    assert [4.0] == run(Script(late, SUCCESS), policy, random=0.0)[1]


def test_a_short_retry_after_does_not_shorten_the_jitter() -> None:
    """Retry-After 0.1 s with a 2 s jittered wait waits the 2 s."""
    policy = RetryPolicy(max_attempts=3, base_seconds=2.0, cap_seconds=30.0)
    quick = AttemptOutcome(Verdict.TRANSIENT, "HTTP 429", retry_after_seconds=0.1)
    assert [2.0] == run(Script(quick, SUCCESS), policy, random=1.0)[1]


def test_an_exception_from_an_attempt_is_raised_at_once_unretried() -> None:
    """An attempt that raises is not an outcome: the caller sees the error after one attempt."""
    calls: list[int] = []

    def broken(number: int) -> AttemptOutcome:
        calls.append(number)
        raise KeyError("a bug, not a delivery failure")

    waits: list[float] = []
    with pytest.raises(KeyError):
        deliver_with_retries(broken, RetryPolicy(max_attempts=5), sleep=waits.append)
    assert ([1], []) == (calls, waits)


def test_a_policy_needs_an_attempt_and_non_negative_waits() -> None:
    """Zero attempts or a negative base or cap are refused."""
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(base_seconds=-1.0)
    with pytest.raises(ValueError, match="negative"):
        RetryPolicy(cap_seconds=-1.0)
