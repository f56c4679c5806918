"""A real Prometheus (Debian's package, run by deploy/prometheus/prometheus.sh) scrapes a hub.

The test starts ``hub run`` with ``HUB_METRICS_ADDRESS`` set and a Prometheus on
a free port of 9690-9699 whose configuration scrapes it every second, publishes
a generated day of agency feeds, and asks Prometheus's HTTP API for what it
scraped: consumer lag reaching 0 on every partition and the events ingested
matching what the worker says it applied. Another test does the same with
``hub alerts deliver`` posting alerts to a local webhook, for the alert-latency
histogram. ``promtool`` checks the shipped rules.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from hub.alerts.publisher import to_record
from hub.alerts.routing import unrouted
from hub.alerts.store import Alert
from hub.cli.main import main
from hub.config import METRICS_PORT_OFFSETS, REPO_ROOT
from hub.topics import Topics
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.integration.hub_harness import TopicSet, publish_generated

SCRIPT = REPO_ROOT / "deploy" / "prometheus" / "prometheus.sh"
RULES = REPO_ROOT / "deploy" / "prometheus" / "rules"
PORTS = range(9690, 9700)


def _free_ports(count: int, lowest: int = PORTS[0]) -> list[int]:
    """``count`` ports of 9690-9699 (from ``lowest``) nothing listens on: kept for metrics tests."""
    free: list[int] = []
    for port in range(lowest, PORTS[-1] + 1):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        free.append(port)
        if len(free) == count:
            return free
    raise RuntimeError("no free port in 9690-9699 for the metrics test")


def _script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="module")
def prometheus_installed() -> None:
    """Debian's prometheus and promtool, installed by the project's script if missing."""
    installed = _script("install")
    assert 0 == installed.returncode, installed.stderr


def _query(port: int, expression: str) -> list[dict[str, Any]]:
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expression})
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.loads(response.read())
    assert "success" == answer["status"], answer
    result: list[dict[str, Any]] = answer["data"]["result"]
    return result


def _wait_for(port: int, expression: str, holds: Any, timeout_s: float = 180) -> Any:
    deadline = time.monotonic() + timeout_s
    result = _query(port, expression)
    while not holds(result):
        assert time.monotonic() < deadline, f"{expression}: {result}"
        time.sleep(1)
        result = _query(port, expression)
    return result


@contextlib.contextmanager
def _prometheus(tmp_path: Path, port: int, target: int) -> Iterator[int]:
    """A Prometheus on ``port`` scraping ``127.0.0.1:target`` every second, with the rules."""
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        f"rule_files: ['{RULES}/*.yml']\n"
        "scrape_configs:\n"
        "  - job_name: hub\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{target}']}}]\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "PROMETHEUS_PORT": str(port),
        "PROMETHEUS_DATA_DIR": str(tmp_path / "prometheus"),
    }
    try:
        started = _script("start", str(config), env=env)
        assert 0 == started.returncode, started.stdout + started.stderr
        yield port
    finally:
        _script("stop", env=env)


@pytest.fixture
def scraped_worker(
    prometheus_installed: None, kafka_bootstrap: str, tmp_path: Path
) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    """A ``hub run`` serving metrics, and a Prometheus scraping it every second."""
    metrics_port, prometheus_port = _free_ports(2)
    topics = TopicSet.fresh()
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(tmp_path / "hub"),
        "HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "HUB_TOPIC_PREFIX": topics.prefix,
        "HUB_CONSUMER_GROUP": f"metrics-{uuid.uuid4().hex}",
        "HUB_METRICS_ADDRESS": f"127.0.0.1:{metrics_port}",
        "HUB_LOG_LEVEL": "WARNING",
    }
    out = tmp_path / "feeds"
    assert 0 == main(
        ["generate", "--children", "300", "--days", "1", "--seed", "3", "--out", str(out)]
    )
    publish_generated(kafka_bootstrap, out, topics, tmp_path / "ledger.sqlite")
    worker = subprocess.Popen(
        [sys.executable, "-m", "hub", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        with _prometheus(tmp_path, prometheus_port, metrics_port):
            yield prometheus_port, worker
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_prometheus_sees_the_worker_catch_up(
    scraped_worker: tuple[int, subprocess.Popen[str]],
) -> None:
    """Lag reaches 0 on all four agency topics; events ingested agree with the worker's count."""
    port, worker = scraped_worker
    _wait_for(port, 'up{job="hub"}', lambda r: r and r[0]["value"][1] == "1")
    lags = _wait_for(
        port,
        "hub_consumer_lag",
        lambda r: (
            len({s["metric"]["topic"] for s in r}) == 4 and all(s["value"][1] == "0" for s in r)
        ),
    )
    assert all(s["metric"]["topic"].split(".", 1)[1].startswith("agency.") for s in lags)
    applied = _wait_for(
        port, 'sum(hub_events_ingested_total{outcome="applied"})', lambda r: bool(r)
    )
    time.sleep(3)  # a scrape after the last batch
    applied = _query(port, 'sum(hub_events_ingested_total{outcome="applied"})')
    queue = _query(port, "hub_identity_queue_size")
    agencies = _query(port, "sum by (agency) (hub_events_ingested_total)")
    worker.send_signal(signal.SIGTERM)  # its series go stale in Prometheus from here on
    stdout, _ = worker.communicate(timeout=60)
    stats = json.loads(stdout.strip().splitlines()[-1])
    assert stats["applied"] > 0
    assert stats["applied"] == int(float(applied[0]["value"][1]))
    assert 1 == len(queue) and 0 <= float(queue[0]["value"][1])
    assert {"emergency-care", "police", "school", "social-care"} == {
        s["metric"]["agency"] for s in agencies
    }


def test_promtool_accepts_the_shipped_rules(prometheus_installed: None) -> None:
    """``promtool check rules`` passes on deploy/prometheus/rules/*.yml."""
    checked = _script("check-rules")
    assert 0 == checked.returncode, checked.stdout + checked.stderr
    assert "SUCCESS" in checked.stdout


class _Accept(BaseHTTPRequestHandler):
    """A webhook receiver that takes every alert."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _alert_record(number: int, recorded: datetime) -> dict[str, Any]:
    """An alert about an event the agency recorded at ``recorded``."""
    return to_record(
        Alert(
            alert_id=f"metrics-{uuid.uuid4().hex}-{number}",
            rule_id="c5-concerns-from-several-agencies",
            requirements=["C5"],
            child_id=str(uuid.uuid4()),
            nhs_number="9434765919",
            recipient=unrouted("lead-social-worker", ""),
            urgency="routine",
            headline="Concerns from 2 agencies",
            content={"kind": "domestic-abuse-notification"},
            decision={},
            raised_at=recorded.isoformat(),
            ack_deadline=(recorded + timedelta(days=1)).isoformat(),
            routing={"route": "unrouted", "source_recorded_at": recorded.isoformat()},
        )
    )


def test_prometheus_sees_alert_latency_from_delivery(
    prometheus_installed: None, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """``hub alerts deliver`` posts 5 alerts to a webhook; the latency histogram counts them."""
    offset = METRICS_PORT_OFFSETS["alerts-deliver"]
    deliver_port, prometheus_port = _free_ports(2, lowest=PORTS[0] + offset)
    base = deliver_port - offset
    topics = Topics(f"t{uuid.uuid4().hex[:8]}.")
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), _Accept)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(tmp_path / "hub"),
        "HUB_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "HUB_TOPIC_PREFIX": topics.prefix,
        "HUB_METRICS_ADDRESS": f"127.0.0.1:{base}",
        "HUB_ALERT_WEBHOOK_URL": f"http://127.0.0.1:{receiver.server_address[1]}/alerts",
        "HUB_ALERT_WEBHOOK_SECRET": "metrics-test-secret",
        "HUB_LOG_LEVEL": "WARNING",
    }
    codec = SingleObjectCodec(default_catalogue())
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    deliver = subprocess.Popen(
        [sys.executable, "-m", "hub", "alerts", "deliver"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with _prometheus(tmp_path, prometheus_port, deliver_port) as port:
            _wait_for(port, 'up{job="hub"}', lambda r: r and r[0]["value"][1] == "1")
            for number in range(5):
                record = _alert_record(number, datetime.now(UTC))
                producer.send(topics.alerts, codec.encode("Alert", record)).get(timeout=30)
            counted = _wait_for(
                port,
                "sum(hub_alert_latency_seconds_count)",
                lambda r: bool(r) and float(r[0]["value"][1]) >= 5,
            )
            assert 5 == float(counted[0]["value"][1])
            p99 = _query(
                port,
                "histogram_quantile(0.99, sum by (le) (hub_alert_latency_seconds_bucket))",
            )
            assert 0 < float(p99[0]["value"][1]) <= 60
            delivered = _query(port, 'hub_alert_deliveries_total{outcome="delivered"}')
            assert [("webhook", "5")] == [
                (s["metric"]["channel"], s["value"][1]) for s in delivered
            ]
            # Ready: the group gave it the alert topic's partitions (it had none at start).
            with urllib.request.urlopen(f"http://127.0.0.1:{deliver_port}/readyz") as answer:
                assert 200 == answer.status
    finally:
        producer.close()
        receiver.shutdown()
        deliver.terminate()
        deliver.wait(timeout=60)
