"""Signed webhook delivery with retries, against a real local HTTP server."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from structlog.typing import EventDict

from consumers.retry import DeliveryStatus, RetryPolicy
from consumers.webhook_delivery import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookTarget,
    deliver_webhook,
    sign,
    verify_signature,
)
from tests.fixtures.helpers import captured_log_events, free_port

SECRET = b"shared-secret-for-tests"
ALERT = {"alert_id": "alert-42", "child_id": "c-0001", "kind": "police_domestic_abuse"}
POLICY = RetryPolicy(max_attempts=3, base_seconds=0.5, cap_seconds=4.0)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedServer:
    """Answers with ``script`` in turn, then ``then``; records every request."""

    script: list[int] = field(default_factory=list)
    then: int = 200
    delay_seconds: float = 0.0
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)

    def next_status(self) -> int:
        return self.script.pop(0) if self.script else self.then


@contextmanager
def serving(server_script: ScriptedServer) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            server_script.received.append(Received(dict(self.headers.items()), body))
            time.sleep(server_script.delay_seconds)
            with suppress(OSError):  # the client may have timed out and gone
                self.send_response(server_script.next_status())
                if server_script.retry_after is not None:
                    self.send_header("Retry-After", server_script.retry_after)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/alerts?v=1"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def target(url: str, timeout: float = 5.0) -> WebhookTarget:
    return WebhookTarget(url, SECRET, timeout_seconds=timeout, allow_http=True)


@dataclass
class Sleeps:
    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


captured_logs = pytest.fixture(autouse=True, name="captured_logs")(captured_log_events)


def test_delivered_after_transient_failures_with_the_same_key() -> None:
    """Two 503s then 200: delivered on attempt 3, one idempotency key, every attempt signed."""
    server = ScriptedServer(script=[503, 503])
    sleeps = Sleeps()
    with serving(server) as url:
        result = deliver_webhook(
            target(url), ALERT, "alert-42", policy=POLICY, random=lambda: 0.5, sleep=sleeps
        )
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.DELIVERED,
        3,
        "HTTP 200",
    )
    assert sleeps.waits == [0.25, 0.5]
    assert {r.headers[IDEMPOTENCY_HEADER] for r in server.received} == {"alert-42"}
    for request in server.received:
        assert json.loads(request.body) == ALERT
        timestamp = request.headers[TIMESTAMP_HEADER]
        assert verify_signature(SECRET, timestamp, request.body, request.headers[SIGNATURE_HEADER])


def test_always_500_gives_up_after_max_attempts_keeping_the_reason() -> None:
    """A server that always fails: gave up after three attempts, last reason HTTP 500."""
    server = ScriptedServer(then=500)
    with serving(server) as url:
        result = deliver_webhook(target(url), ALERT, "k", policy=POLICY, sleep=Sleeps())
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.GAVE_UP,
        3,
        "HTTP 500",
    )
    assert result.should_dead_letter
    assert len(server.received) == 3


def test_unreachable_port_gives_up_with_connection_refused() -> None:
    """Nothing listening: every attempt is refused, and the caller can dead-letter."""
    url = f"http://127.0.0.1:{free_port()}/alerts"
    result = deliver_webhook(target(url), ALERT, "k", policy=POLICY, sleep=Sleeps())
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.GAVE_UP,
        3,
        "connection refused",
    )


def test_400_is_permanent_and_not_retried() -> None:
    """A 400 means the request itself is wrong: one attempt, failed permanently."""
    server = ScriptedServer(then=400)
    sleeps = Sleeps()
    with serving(server) as url:
        result = deliver_webhook(target(url), ALERT, "k", policy=POLICY, sleep=sleeps)
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.FAILED_PERMANENTLY,
        1,
        "HTTP 400",
    )
    assert sleeps.waits == []
    assert len(server.received) == 1


def test_429_is_retried_and_retry_after_is_honoured_up_to_the_cap() -> None:
    """429 with Retry-After: 60 is retried after the policy's cap (4 s), not after 60 s."""
    server = ScriptedServer(script=[429], retry_after="60")
    sleeps = Sleeps()
    with serving(server) as url:
        result = deliver_webhook(
            target(url), ALERT, "k", policy=POLICY, random=lambda: 0.0, sleep=sleeps
        )
    assert (result.status, result.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert sleeps.waits == [4.0]


def test_slow_server_times_out() -> None:
    """A server slower than the timeout counts as a transient timeout."""
    server = ScriptedServer(delay_seconds=1.0)
    with serving(server) as url:
        result = deliver_webhook(
            target(url, timeout=0.2), ALERT, "k", policy=RetryPolicy(max_attempts=1)
        )
    assert (result.status, result.reason) == (DeliveryStatus.GAVE_UP, "timeout")


def test_logs_carry_ids_and_reasons_only(captured_logs: list[EventDict]) -> None:
    """Log events name the idempotency key and the reason, never the alert's content."""
    alert = {"alert_id": "alert-7", "note": "Jane Doe, 1 Acacia Avenue"}
    with serving(ScriptedServer()) as url:
        deliver_webhook(target(url), alert, "alert-7", policy=POLICY)
    assert [e["event"] for e in captured_logs] == ["webhook_attempt", "webhook_delivery_finished"]
    logged = json.dumps(captured_logs, default=str)
    assert "alert-7" in logged
    assert "Jane" not in logged and "Acacia" not in logged and "127.0.0.1" not in logged


def test_signature_verification_accepts_good_and_rejects_tampered() -> None:
    """Receivers: the right signature verifies; altered body, time, secret or header do not."""
    body = b'{"alert_id":"alert-42"}'
    header = sign(SECRET, "1767225600", body)
    assert header.startswith("sha256=")
    assert verify_signature(SECRET, "1767225600", body, header)
    assert not verify_signature(SECRET, "1767225600", body.replace(b"42", b"43"), header)
    assert not verify_signature(SECRET, "1767225601", body, header)
    assert not verify_signature(b"other-secret", "1767225600", body, header)
    assert not verify_signature(SECRET, "1767225600", body, "sha256=" + "0" * 64)
    assert not verify_signature(SECRET, "not-a-time", body, header)
    assert not verify_signature(SECRET, "1767225600", body, "sha256=\u00e9")


def test_signature_verification_rejects_replays_outside_the_window() -> None:
    """With a five-minute window, a signature from an hour ago is refused."""
    body = b"{}"
    header = sign(SECRET, "1767225600", body)
    assert verify_signature(SECRET, "1767225600", body, header, max_age_seconds=300, now=1767225700)
    assert not verify_signature(
        SECRET, "1767225600", body, header, max_age_seconds=300, now=1767229200
    )


def test_plain_http_needs_an_explicit_opt_in() -> None:
    """Alerts go over https unless a test or a local receiver opts in to plain http."""
    with pytest.raises(ValueError, match="allow_http"):
        WebhookTarget("http://example.invalid/alerts", SECRET)
    with pytest.raises(ValueError, match="https"):
        WebhookTarget("ftp://example.invalid/alerts", SECRET)
