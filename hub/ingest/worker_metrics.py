"""The ingestion worker's metrics, read from its counters when Prometheus scrapes.

Nothing is counted on the worker's hot path for them: the worker already keeps
per-batch counts (by topic and outcome, and dead letters by topic and reason)
and each partition's next offset and known end; the collector reads those on
the metrics server's thread. Labels are topic, partition, agency, feed,
outcome and reason codes: never anything about a child.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.ingest.worker import IngestWorker


def agency_and_feed(topic: str) -> tuple[str, str]:
    """``agency.<agency>.<feed>`` (after any prefix) as (agency, feed); else ("", topic)."""
    _, found, rest = topic.partition("agency.")
    if not found:
        return "", topic
    agency, _, feed = rest.partition(".")
    return agency, feed


class WorkerCollector(Collector):
    """Consumer lag per topic and partition, events ingested by outcome, dead letters by reason."""

    def __init__(self, worker: IngestWorker) -> None:
        self._worker = worker

    def collect(self) -> Iterator[Metric]:
        lag = GaugeMetricFamily(
            "hub_consumer_lag",
            "Records on an assigned agency partition not yet committed by the worker",
            labels=["topic", "partition"],
        )
        for key, behind in self._worker.scheduler.lags():
            lag.add_metric([key.topic, str(key.partition)], behind)
        yield lag
        stats = self._worker.stats
        ingested = CounterMetricFamily(
            "hub_events_ingested",
            "Agency events the worker has committed, by agency, feed and outcome",
            labels=["agency", "feed", "outcome"],
        )
        for (topic, outcome), count in sorted(dict(stats.outcomes).items()):
            ingested.add_metric([*agency_and_feed(topic), outcome], count)
        yield ingested
        dead = CounterMetricFamily(
            "hub_dead_letters",
            "Agency messages sent to the dead-letter topic, by agency, feed and reason code",
            labels=["agency", "feed", "reason"],
        )
        for (topic, reason), count in sorted(dict(stats.dead_letter_reasons).items()):
            dead.add_metric([*agency_and_feed(topic), reason], count)
        yield dead
        last = GaugeMetricFamily(
            "hub_feed_last_ingested_timestamp_seconds",
            "When the worker last committed records of a feed (Unix time)",
            labels=["agency", "feed"],
        )
        for topic, when in sorted(dict(stats.last_ingested).items()):
            last.add_metric(list(agency_and_feed(topic)), when)
        yield last
        batches = CounterMetricFamily(
            "hub_ingest_batches", "Batches (one transaction each) the worker has committed"
        )
        batches.add_metric([], stats.batches)
        yield batches
