"""Metrics: the endpoint's paths, each process's port, and the worker's families and labels."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.config import Settings, SettingsError
from hub.ingest.ordering import ChunkScheduler, PartitionKey
from hub.ingest.worker_metrics import WorkerCollector, agency_and_feed
from hub.ingest.worker_stats import WorkerStats
from hub.metrics.server import MetricsServer


def _get(port: int, path: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.fixture
def readiness() -> Iterator[tuple[MetricsServer, list[bool]]]:
    ready = [False]
    server = MetricsServer("127.0.0.1", 0, lambda: ready[0]).start()
    yield server, ready
    server.stop()


def test_liveness_readiness_and_metrics_paths(
    readiness: tuple[MetricsServer, list[bool]],
) -> None:
    """/livez is always 200, /readyz follows the check, /metrics is Prometheus text, else 404."""
    server, ready = readiness
    assert 200 == _get(server.port, "/livez")[0]
    assert 503 == _get(server.port, "/readyz")[0]
    ready[0] = True
    assert 200 == _get(server.port, "/readyz")[0]
    status, text = _get(server.port, "/metrics")
    assert 200 == status
    assert "process_start_time_seconds" in text or "python_info" in text
    assert 404 == _get(server.port, "/")[0]


def test_a_failing_readiness_check_means_not_ready() -> None:
    """A check that raises answers 503, never an error page."""

    def broken() -> bool:
        raise RuntimeError("database gone")

    server = MetricsServer("127.0.0.1", 0, broken).start()
    try:
        assert 503 == _get(server.port, "/readyz")[0]
    finally:
        server.stop()


def test_each_process_has_its_own_port_from_the_base() -> None:
    """HUB_METRICS_ADDRESS is a base: run +0, serve +1, alerts run +2, deliver +3, listener +4."""
    settings = Settings.from_env({"HUB_METRICS_ADDRESS": "0.0.0.0:9690"})
    ports = [
        settings.metrics_endpoint(p)
        for p in ("run", "serve", "alerts-run", "alerts-deliver", "listen-ae")
    ]
    assert [("0.0.0.0", 9690 + n) for n in range(5)] == ports
    assert Settings.from_env({}).metrics_endpoint("run") is None
    assert ("127.0.0.1", 0) == Settings.from_env({"HUB_METRICS_ADDRESS": ":0"}).metrics_endpoint(
        "serve"
    )


@pytest.mark.parametrize("value", ["9690", "host:port", "127.0.0.1:65534"])
def test_an_unusable_metrics_address_stops_start_up(value: str) -> None:
    """No port, a word for a port, or no room for every process's port: SettingsError."""
    with pytest.raises(SettingsError, match="HUB_METRICS_ADDRESS"):
        Settings.from_env({"HUB_METRICS_ADDRESS": value})


def test_agency_and_feed_come_from_the_topic_name() -> None:
    """A prefixed agency topic gives its agency and feed; another topic keeps its name."""
    assert ("police", "domestic-abuse") == agency_and_feed("run-1.agency.police.domestic-abuse")
    assert ("", "hub.alerts") == agency_and_feed("hub.alerts")


def _samples(collector: WorkerCollector) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in collector.collect()
        for sample in family.samples
    }


def test_worker_families_read_the_workers_counts() -> None:
    """Lag per partition (end minus next offset), outcomes by agency and dead letters by reason."""
    scheduler = ChunkScheduler(10)
    police = PartitionKey("agency.police.domestic-abuse", 0)
    school = PartitionKey("agency.school.absences", 1)
    scheduler.assign(police, 5)
    scheduler.set_end(police, 12)
    scheduler.assign(school, 3)
    scheduler.set_end(school, 3)
    stats = WorkerStats()
    stats.outcomes[police.topic, "applied"] = 4
    stats.dead_letter_reasons[school.topic, "invalid-record"] = 2
    stats.last_ingested[police.topic] = 1_700_000_000.0
    worker = SimpleNamespace(scheduler=scheduler, stats=stats)
    samples = _samples(WorkerCollector(worker))  # type: ignore[arg-type]
    lag = "hub_consumer_lag"
    assert 7 == samples[lag, (("partition", "0"), ("topic", police.topic))]
    assert 0 == samples[lag, (("partition", "1"), ("topic", school.topic))]
    ingested = ("agency", "police"), ("feed", "domestic-abuse"), ("outcome", "applied")
    assert 4 == samples["hub_events_ingested_total", ingested]
    dead = ("agency", "school"), ("feed", "absences"), ("reason", "invalid-record")
    assert 2 == samples["hub_dead_letters_total", dead]
    feed = ("agency", "police"), ("feed", "domestic-abuse")
    assert 1_700_000_000.0 == samples["hub_feed_last_ingested_timestamp_seconds", feed]


def test_the_worker_families_parse_as_prometheus_text() -> None:
    """Served through the endpoint, the worker's families are valid exposition text."""
    scheduler = ChunkScheduler(10)
    scheduler.assign(PartitionKey("agency.police.domestic-abuse", 0), 0)
    worker = SimpleNamespace(scheduler=scheduler, stats=WorkerStats())
    collector = WorkerCollector(worker)  # type: ignore[arg-type]
    server = MetricsServer("127.0.0.1", 0, None, [collector]).start()
    try:
        text = _get(server.port, "/metrics")[1]
    finally:
        server.stop()
    names = {family.name for family in text_string_to_metric_families(text)}
    assert {"hub_consumer_lag", "hub_events_ingested", "hub_dead_letters"} <= names
