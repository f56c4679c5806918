"""The audit log's metrics: append latency, and how long records have waited for a signed head.

Every append group signs its own head in the same transaction, so the unsigned
tail is normally empty; a record left without a head (a writer stopped between
its records and its head by a fault the transaction did not cover, a log from
before signed heads) shows here as its age. The collector reads the log through
its own read-only connection, so a scrape never takes the writers' lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

APPEND_SECONDS = Histogram(
    "hub_audit_append_seconds",
    "Time for an audit append (records and their signed head) to commit, group commit included",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)

UNSIGNED_OLDEST = (
    "SELECT MIN(recorded_at) FROM audit WHERE seq > (SELECT COALESCE(MAX(size), 0) FROM tree_heads)"
)


class AuditTailCollector(Collector):
    """``hub_audit_unsigned_age_seconds``: the oldest record no signed head covers, else 0."""

    def __init__(self, path: Path, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._path = path
        self._now = now

    def collect(self) -> Iterator[Metric]:
        age = GaugeMetricFamily(
            "hub_audit_unsigned_age_seconds",
            "Age of the oldest audit record not yet covered by a signed tree head (0: none)",
        )
        age.add_metric([], self._unsigned_age())
        yield age

    def _unsigned_age(self) -> float:
        if not self._path.exists():
            return 0.0
        connection = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, timeout=5)
        try:
            row = connection.execute(UNSIGNED_OLDEST).fetchone()
        except sqlite3.OperationalError:  # no tables yet
            return 0.0
        finally:
            connection.close()
        if row is None or row[0] is None:
            return 0.0
        oldest = datetime.fromisoformat(row[0])
        return max(0.0, (self._now() - oldest).total_seconds())
