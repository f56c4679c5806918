"""Retrying a delivery with exponential backoff and full jitter.

``RetryPolicy.delay`` is pure: the random source is a parameter. ``deliver_with_retries``
runs one delivery attempt after another until one succeeds, one fails permanently or
the policy's attempts are used up, sleeping through an injected ``sleep`` so tests
never wait. The ``DeliveryResult`` it returns tells the caller whether to dead-letter.
"""

from __future__ import annotations

import random as _random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

RandomSource = Callable[[], float]
"""Returns a float in [0, 1), like ``random.random``."""
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """At most ``max_attempts`` tries; before retry n, wait U(0, min(cap, base * 2**(n-1))) s."""

    max_attempts: int = 5
    base_seconds: float = 0.5
    cap_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds < 0 or self.cap_seconds < 0:
            raise ValueError("base_seconds and cap_seconds must not be negative")

    def ceiling(self, retry: int) -> float:
        """The longest wait before retry number ``retry`` (1 for the first retry)."""
        if retry < 1:
            raise ValueError("retry numbers start at 1")
        exponent = min(retry - 1, 62)  # the cap is reached long before; keeps 2**n small
        return min(self.cap_seconds, self.base_seconds * 2.0**exponent)

    def delay(self, retry: int, random: RandomSource) -> float:
        """Full jitter: a uniformly random wait up to ``ceiling(retry)``."""
        return random() * self.ceiling(retry)


class Verdict(StrEnum):
    """How one attempt ended."""

    SUCCESS = "success"
    PERMANENT = "permanent"  # retrying cannot help (bad request, rejected recipient)
    TRANSIENT = "transient"  # worth another attempt (timeout, refused, 5xx, 429)


@dataclass(frozen=True)
class AttemptOutcome:
    """One attempt's verdict and a short reason with no personal data (e.g. ``HTTP 503``)."""

    verdict: Verdict
    reason: str
    retry_after_seconds: float | None = None  # a server's Retry-After, if it sent one


class DeliveryStatus(StrEnum):
    DELIVERED = "delivered"
    FAILED_PERMANENTLY = "failed_permanently"
    GAVE_UP = "gave_up"


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to a delivery: the status, attempts made and the last attempt's reason."""

    status: DeliveryStatus
    attempts: int
    reason: str

    @property
    def delivered(self) -> bool:
        return self.status is DeliveryStatus.DELIVERED

    @property
    def should_dead_letter(self) -> bool:
        return not self.delivered


def deliver_with_retries(
    attempt: Callable[[int], AttemptOutcome],
    policy: RetryPolicy,
    *,
    random: RandomSource = _random.random,
    sleep: Sleep = _time.sleep,
) -> DeliveryResult:
    """Call ``attempt(1)``, ``attempt(2)``, ... until success, a permanent failure or the limit.

    A server's Retry-After lengthens the wait (never beyond the policy's cap).
    """
    number = 0
    while True:
        number += 1
        outcome = attempt(number)
        if outcome.verdict is Verdict.SUCCESS:
            return DeliveryResult(DeliveryStatus.DELIVERED, number, outcome.reason)
        if outcome.verdict is Verdict.PERMANENT:
            return DeliveryResult(DeliveryStatus.FAILED_PERMANENTLY, number, outcome.reason)
        if number >= policy.max_attempts:
            return DeliveryResult(DeliveryStatus.GAVE_UP, number, outcome.reason)
        wait = policy.delay(number, random)
        if outcome.retry_after_seconds is not None:
            wait = max(wait, min(outcome.retry_after_seconds, policy.cap_seconds))
        sleep(wait)
