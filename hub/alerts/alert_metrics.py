"""The alert raiser's metrics: unacknowledged and overdue alerts by rule, read when scraped.

Labels are rule ids (from the alert rules file): never a child, a recipient or
an alert's content.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.alerts.store import AlertStore


class AlertStoreCollector(Collector):
    """``hub_alerts_unacknowledged`` and ``hub_alerts_overdue`` per rule, from the alert store."""

    def __init__(self, store: AlertStore, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now

    def collect(self) -> Iterator[Metric]:
        unacknowledged = GaugeMetricFamily(
            "hub_alerts_unacknowledged",
            "Current alerts (not superseded) nobody has acknowledged yet, by rule",
            labels=["rule"],
        )
        overdue = GaugeMetricFamily(
            "hub_alerts_overdue",
            "Unacknowledged current alerts past their acknowledgement deadline, by rule",
            labels=["rule"],
        )
        for rule, waiting, late in self._store.open_by_rule(
            self._now().astimezone(UTC).isoformat()
        ):
            unacknowledged.add_metric([rule], waiting)
            overdue.add_metric([rule], late)
        yield unacknowledged
        yield overdue
