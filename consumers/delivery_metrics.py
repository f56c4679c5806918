"""Alert delivery's metrics: latency from the agency's record to delivery, and outcomes.

The latency runs from when the agency recorded the event (``source_recorded_at``;
the alert's ``raised_at`` when the source gave no time) to the moment the
channel accepted the alert. Labels are the channel and an outcome code: never a
child, a recipient or an alert's content.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter, Histogram

# Seconds: the 1 s objective sits between fine buckets; late agency records fall in the tail.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 0.75, 1, 2, 5, 10, 30, 60, 300, 900, 3600, 14400, 86400)

ALERT_LATENCY = Histogram(
    "hub_alert_latency_seconds",
    "From the agency's record of an event to the delivery of an alert about it",
    ["channel"],
    buckets=LATENCY_BUCKETS,
)
DELIVERIES = Counter(
    "hub_alert_deliveries",
    "Alert deliveries by channel and outcome (delivered, duplicate, or a dead-letter reason)",
    ["channel", "outcome"],
)


def observe_delivery(channel: str, alert: dict[str, Any], now: datetime | None = None) -> None:
    """Count a delivery on ``channel`` and observe its latency from the agency's record."""
    since = alert.get("source_recorded_at") or alert.get("raised_at")
    DELIVERIES.labels(channel, "delivered").inc()
    if isinstance(since, datetime):
        moment = now or datetime.now(UTC)
        ALERT_LATENCY.labels(channel).observe(max(0.0, (moment - since).total_seconds()))


def count_outcome(channel: str, outcome: str) -> None:
    """Count a delivery that did not happen now: a duplicate or a dead-letter reason code."""
    DELIVERIES.labels(channel, outcome).inc()
