"""Metrics of the lookup server, the audit log and the MLLP listener, read as scraped."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hub.access.callers import CallRefused
from hub.audit.audit_metrics import AuditTailCollector
from hub.audit.opening import open_audit_log
from hub.config import Settings
from hub.lookup.query import LookupQuery
from hub.lookup.service import ChildLookupService
from hub.metrics.counts import CountsCollector, GaugeCollector


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


class _Audit:
    """Keeps what is appended; the lookup service audits every refusal."""

    def __init__(self) -> None:
        self.appended: list[tuple[str, Any]] = []

    def append(self, kind: str, payloads: list[dict[str, Any]]) -> None:
        self.appended.append((kind, payloads))


class _Policy:
    version = "test"


def test_a_refused_lookup_is_timed_and_counted_by_its_status() -> None:
    """No certificate: UNAUTHENTICATED counted, the lookup timed as refused, and audited."""
    audit = _Audit()
    unused: Any = None
    service = ChildLookupService(unused, _Policy(), audit, directory=unused)  # type: ignore[arg-type]
    refusals = _value("hub_lookup_refusals_total", reason="UNAUTHENTICATED")
    timed = _value("hub_lookup_seconds_count", outcome="refused")
    with pytest.raises(CallRefused, match="client certificate"):
        service.lookup(None, LookupQuery(nhs_number="9434765919"))
    assert 1 == _value("hub_lookup_refusals_total", reason="UNAUTHENTICATED") - refusals
    assert 1 == _value("hub_lookup_seconds_count", outcome="refused") - timed
    assert ["access-refused"] == [kind for kind, _ in audit.appended]


def test_audit_appends_are_timed_and_an_unsigned_tail_shows_its_age(tmp_path: Path) -> None:
    """Every append is observed; a record no head covers shows its age, else the age is 0."""
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    audit = open_audit_log(settings)
    before = _value("hub_audit_append_seconds_count")
    audit.append("lookup", [{"n": 1}])
    audit.close()
    assert 1 == _value("hub_audit_append_seconds_count") - before
    now = datetime.now(UTC)
    collector = AuditTailCollector(settings.audit_path, lambda: now)

    def age() -> float:
        return next(iter(collector.collect())).samples[0].value

    assert 0 == age()
    with sqlite3.connect(settings.audit_path) as db:  # a record written without its head
        db.execute(
            "INSERT INTO audit VALUES (?, ?, 'test', '{}', '', '')",
            (2, (now - timedelta(seconds=30)).isoformat()),
        )
    assert 30 == age()


def test_counts_collector_reads_the_counts_when_scraped() -> None:
    """Each count is a sample labelled with its name; values are read at collection."""
    counts = {"messages": 1, "rejected": 0}
    collector = CountsCollector("hub_test_things", "Things", "kind", lambda: counts)
    counts["messages"] = 5
    samples = {s.labels["kind"]: s.value for f in collector.collect() for s in f.samples}
    assert {"messages": 5, "rejected": 0} == samples


def test_gauge_collector_reads_its_figure_when_scraped() -> None:
    """The identity queue's size (say) is read at each collection, not when registered."""
    size = [3]
    collector = GaugeCollector("hub_test_queue_size", "Queue", lambda: size[0])
    size[0] = 7
    assert [7] == [s.value for f in collector.collect() for s in f.samples]
