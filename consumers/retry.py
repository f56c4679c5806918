"""Retrying a delivery with exponential backoff and full jitter, run by tenacity.

``deliver_with_retries`` calls ``attempt(1)``, ``attempt(2)``, ... until one succeeds, one
fails permanently or the policy's attempts are used up, and returns a ``DeliveryResult``
that tells the caller whether to dead-letter.

- **What is retried:** an attempt whose outcome is ``TRANSIENT`` (timeout, refused
  connection, HTTP 5xx and 429, SMTP 4xx). A ``PERMANENT`` outcome ends at once. An
  exception raised by an attempt is not an outcome: it reaches the caller at once,
  unretried (the delivery modules turn the failures they know into outcomes).
- **Limits:** at most ``max_attempts`` attempts in all.
- **Waits:** before retry n (after attempt n failed), full jitter: a uniformly random wait
  in [0, min(cap, base * 2**(n-1))) seconds. A server's Retry-After lengthens the wait,
  never beyond the cap.

tenacity runs the loop: it stops after the attempts, computes the exponential ceiling
(``wait_exponential``) and retries on the outcome (``retry_if_result``). The random source
and the sleep are parameters, so tests never wait and can pin the jitter.
"""

from __future__ import annotations

import random as _random
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import tenacity

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


# How the last attempt's verdict ends a delivery: a transient one only ends it at the limit.
_STATUS = {
    Verdict.SUCCESS: DeliveryStatus.DELIVERED,
    Verdict.PERMANENT: DeliveryStatus.FAILED_PERMANENTLY,
    Verdict.TRANSIENT: DeliveryStatus.GAVE_UP,
}


class _FullJitter(tenacity.wait_exponential):
    """tenacity's exponential ceiling times the injected random source; Retry-After honoured."""

    def __init__(self, policy: RetryPolicy, random: RandomSource) -> None:
        super().__init__(multiplier=policy.base_seconds, max=policy.cap_seconds)
        self._cap = policy.cap_seconds
        self._random = random

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        wait = self._random() * super().__call__(retry_state)
        retry_after = _last_outcome(retry_state).retry_after_seconds
        if retry_after is not None:
            wait = max(wait, min(retry_after, self._cap))
        return wait


def _last_outcome(retry_state: tenacity.RetryCallState) -> AttemptOutcome:
    """The outcome the last attempt returned (tenacity calls this only after one returned)."""
    if retry_state.outcome is None:
        raise RuntimeError("no attempt has returned yet")
    outcome: AttemptOutcome = retry_state.outcome.result()
    return outcome


def _transient(outcome: AttemptOutcome) -> bool:
    return outcome.verdict is Verdict.TRANSIENT


def deliver_with_retries(
    attempt: Callable[[int], AttemptOutcome],
    policy: RetryPolicy,
    *,
    random: RandomSource = _random.random,
    sleep: Sleep = _time.sleep,
) -> DeliveryResult:
    """Call ``attempt(1)``, ``attempt(2)``, ... until success, a permanent failure or the limit."""
    made = 0

    def numbered() -> AttemptOutcome:
        nonlocal made
        made += 1
        return attempt(made)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        wait=_FullJitter(policy, random),
        retry=tenacity.retry_if_result(_transient),
        sleep=sleep,
        retry_error_callback=_last_outcome,  # at the limit: the last outcome, not RetryError
    )
    outcome: AttemptOutcome = retrying(numbered)
    return DeliveryResult(_STATUS[outcome.verdict], made, outcome.reason)
