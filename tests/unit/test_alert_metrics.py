"""Alert metrics: unacknowledged and overdue alerts by rule, and latency observed at delivery."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from prometheus_client import REGISTRY

from consumers.delivery_metrics import count_outcome, observe_delivery
from hub.alerts.alert_metrics import AlertStoreCollector
from hub.alerts.routing import rank, unrouted
from hub.alerts.store import Alert, AlertStore

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _alert(alert_id: str, rule: str, deadline: datetime) -> Alert:
    return Alert(
        alert_id=alert_id,
        rule_id=rule,
        requirements=["C5"],
        child_id=f"child-{alert_id}",
        nhs_number="9434765919",
        recipient=unrouted("lead-social-worker", "operator@hub.example"),
        urgency="routine",
        headline="Concerns from 2 agencies",
        content={"kind": "domestic-abuse-notification"},
        decision={},
        raised_at=(deadline - timedelta(days=1)).isoformat(),
        ack_deadline=deadline.isoformat(),
        occurrence_id=f"o-{alert_id}",
        slot="unrouted",
        route_rank=rank("unrouted"),
        routing={"route": "unrouted"},
    )


def test_unacknowledged_and_overdue_alerts_by_rule(tmp_path: Path) -> None:
    """Overdue: past the deadline by the clock; acknowledged and superseded alerts do not count."""
    store = AlertStore(tmp_path / "alerts.sqlite")
    past, future = NOW - timedelta(hours=1), NOW + timedelta(hours=1)
    store.add(
        [
            _alert("a1", "c5", past),
            _alert("a2", "c5", future),
            _alert("a3", "c5", past),
            _alert("a4", "p4", past),
            replace(_alert("a5", "p4", past), superseded_by="a4"),
        ]
    )
    store.acknowledge("a3", "sw-1", NOW.isoformat())
    samples = {
        (sample.name, sample.labels["rule"]): sample.value
        for family in AlertStoreCollector(store, lambda: NOW).collect()
        for sample in family.samples
    }
    store.close()
    assert {
        ("hub_alerts_unacknowledged", "c5"): 2,
        ("hub_alerts_overdue", "c5"): 1,
        ("hub_alerts_unacknowledged", "p4"): 1,
        ("hub_alerts_overdue", "p4"): 1,
    } == samples


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_latency_runs_from_the_agency_record_to_delivery() -> None:
    """A delivery 0.4 s after the agency's record lands in the 0.5 s bucket, not the 0.25 s one."""
    channel = "test-channel"
    recorded = NOW - timedelta(seconds=0.4)
    before = _value("hub_alert_latency_seconds_bucket", channel=channel, le="0.5")
    observe_delivery(channel, {"source_recorded_at": recorded, "raised_at": NOW}, now=NOW)
    after = _value("hub_alert_latency_seconds_bucket", channel=channel, le="0.5")
    assert 1 == after - before
    assert 0 == _value("hub_alert_latency_seconds_bucket", channel=channel, le="0.25")
    assert 1 <= _value("hub_alert_deliveries_total", channel=channel, outcome="delivered")
    count_outcome(channel, "gave_up")
    assert 1 <= _value("hub_alert_deliveries_total", channel=channel, outcome="gave_up")
