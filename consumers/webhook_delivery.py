"""Deliver an alert as a signed JSON HTTP POST, with retries (standard library only).

Each attempt carries three headers:

- ``X-Hub-Timestamp``: Unix seconds when the attempt was signed;
- ``X-Hub-Signature-256``: ``sha256=<hex>``, the HMAC-SHA256 under the shared secret
  of ``<timestamp>.<body>``, so a receiver can reject altered or replayed requests
  (``verify_signature``);
- ``Idempotency-Key``: the same on every attempt, so a receiver can drop duplicates.

Connection errors, timeouts, 429 and 5xx are retried with backoff (``consumers.retry``);
any other non-2xx answer is permanent. Redirects are not followed. Logs carry only the
idempotency key, attempt numbers and reasons, never the alert body.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random as _random
import ssl
import time as _time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import structlog

from consumers.retry import (
    AttemptOutcome,
    DeliveryResult,
    RandomSource,
    RetryPolicy,
    Sleep,
    Verdict,
    deliver_with_retries,
)

SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Hub-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
_MAX_RESPONSE_BYTES = 64 * 1024

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WebhookTarget:
    """Where to POST and the shared secret; plain ``http`` only if ``allow_http`` (tests)."""

    url: str
    secret: bytes = field(repr=False)
    timeout_seconds: float = 10.0
    allow_http: bool = False
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("webhook url must be an absolute https URL")
        if parts.scheme == "http" and not self.allow_http:
            raise ValueError("plain http webhooks need allow_http=True")
        if not self.secret:
            raise ValueError("webhook secret must not be empty")


def encode_alert(alert: Mapping[str, object]) -> bytes:
    """The JSON body: UTF-8, sorted keys, no insignificant whitespace."""
    return json.dumps(alert, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value for ``body`` sent at ``timestamp``."""
    material = timestamp.encode("ascii") + b"." + body
    return "sha256=" + hmac.new(secret, material, hashlib.sha256).hexdigest()


def verify_signature(
    secret: bytes,
    timestamp: str,
    body: bytes,
    header: str,
    *,
    max_age_seconds: float | None = None,
    now: float | None = None,
) -> bool:
    """True if ``header`` signs ``timestamp`` and ``body`` (constant-time comparison).

    With ``max_age_seconds``, also reject timestamps further than that from ``now``
    (default: the current time), which stops a captured request being replayed later.
    """
    try:
        expected = sign(secret, timestamp, body)
        sent_at = int(timestamp)
    except (UnicodeEncodeError, ValueError):
        return False
    if not hmac.compare_digest(expected.encode(), header.strip().encode("ascii", "replace")):
        return False
    if max_age_seconds is None:
        return True
    current = _time.time() if now is None else now
    return abs(current - sent_at) <= max_age_seconds


def post_once(
    target: WebhookTarget, body: bytes, idempotency_key: str, timestamp: str
) -> AttemptOutcome:
    """One signed POST; the outcome says whether another attempt could help."""
    parts = urlsplit(target.url)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = target.ssl_context or ssl.create_default_context()
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=target.timeout_seconds, context=context
        )
    else:
        connection = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=target.timeout_seconds
        )
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "safeguarding-hub-webhook/1",
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(target.secret, timestamp, body),
        IDEMPOTENCY_HEADER: idempotency_key,
    }
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(_MAX_RESPONSE_BYTES)
        return _classify(response.status, response.getheader("Retry-After"))
    except ssl.SSLCertVerificationError:
        return AttemptOutcome(Verdict.PERMANENT, "tls certificate not trusted")
    except TimeoutError:
        return AttemptOutcome(Verdict.TRANSIENT, "timeout")
    except ConnectionRefusedError:
        return AttemptOutcome(Verdict.TRANSIENT, "connection refused")
    except (OSError, http.client.HTTPException) as error:
        return AttemptOutcome(Verdict.TRANSIENT, f"connection error: {type(error).__name__}")
    finally:
        connection.close()


def _classify(status: int, retry_after: str | None) -> AttemptOutcome:
    reason = f"HTTP {status}"
    if 200 <= status < 300:
        return AttemptOutcome(Verdict.SUCCESS, reason)
    if status == 429 or 500 <= status < 600:
        return AttemptOutcome(Verdict.TRANSIENT, reason, _seconds(retry_after))
    return AttemptOutcome(Verdict.PERMANENT, reason)


def _seconds(retry_after: str | None) -> float | None:
    """Retry-After in delta-seconds form; the HTTP-date form is ignored."""
    if retry_after is None or not retry_after.strip().isdigit():
        return None
    return float(retry_after.strip())


def deliver_webhook(
    target: WebhookTarget,
    alert: Mapping[str, object],
    idempotency_key: str,
    *,
    policy: RetryPolicy | None = None,
    random: RandomSource = _random.random,
    sleep: Sleep = _time.sleep,
    clock: Callable[[], float] = _time.time,
) -> DeliveryResult:
    """POST ``alert`` to ``target`` until delivered, refused for good, or out of attempts."""
    if not idempotency_key.isascii() or not idempotency_key.isprintable() or not idempotency_key:
        raise ValueError("idempotency key must be non-empty printable ASCII")
    body = encode_alert(alert)

    def attempt(number: int) -> AttemptOutcome:
        outcome = post_once(target, body, idempotency_key, str(int(clock())))
        log.info(
            "webhook_attempt",
            idempotency_key=idempotency_key,
            attempt=number,
            verdict=outcome.verdict.value,
            reason=outcome.reason,
        )
        return outcome

    result = deliver_with_retries(attempt, policy or RetryPolicy(), random=random, sleep=sleep)
    log.info(
        "webhook_delivery_finished",
        idempotency_key=idempotency_key,
        status=result.status.value,
        attempts=result.attempts,
        reason=result.reason,
    )
    return result
