"""Alert figures (G1, G2, P4) as at a period's end, from the alert store's recorded times."""

from __future__ import annotations

from hub.alerts.model import Recipient
from hub.alerts.store import ACKNOWLEDGED
from hub.mi.alert_figures import alert_tables
from hub.mi.sources import Sources
from tests.fixtures.mi_world import WEEK, alert

RAISED = "2026-11-24T10:00:00+00:00"
DEADLINE = "2026-11-24T14:00:00+00:00"


def tables(*alerts: object) -> tuple[dict[str, tuple[object, ...]], ...]:
    found = alert_tables(Sources(alerts=list(alerts)), WEEK)  # type: ignore[arg-type]
    return tuple({str(row[0]): row[1:] for row in table.rows} for table in found)


def acked(alert_id: str, at: str, **fields: object) -> object:
    return alert(alert_id, RAISED, DEADLINE, state=ACKNOWLEDGED, acknowledged_at=at, **fields)


def test_raised_acknowledged_and_overdue_as_at_the_end() -> None:
    """Acknowledged in time; late (overdue); after the period (overdue, not acknowledged)."""
    by_rule, _, _ = tables(
        acked("a1", "2026-11-24T11:00:00+00:00"),
        acked("a2", "2026-11-24T18:00:00+00:00"),
        acked("a3", "2026-12-05T09:00:00+00:00"),
    )
    assert (3, 2, 2, 0, 0) == by_rule["a5-suspected-non-accidental-injury"]


def test_escalations_and_superseded_alerts_are_not_counted_again() -> None:
    """An escalation marks its alert escalated; a superseded alert is not counted."""
    by_rule, _, _ = tables(
        alert("a1", RAISED, DEADLINE),
        alert("e1", "2026-11-24T14:00:00+00:00", DEADLINE, escalation_level=1, escalates="a1"),
        alert("a0", RAISED, DEADLINE, superseded_by="a1"),
    )
    assert (1, 0, 1, 1, 0) == by_rule["Total"]


def test_unrouted_alerts_go_to_the_duty_operator_row() -> None:
    """An alert nobody could be found for counts as unrouted, under the duty operator."""
    duty = Recipient("duty-operator", "hub-operator", "HUB", "hub", "duty-operator")
    _, by_team, _ = tables(alert("a1", RAISED, DEADLINE, route_rank=100, recipient=duty))
    assert (1, 0, 1, 0, 1) == by_team["duty operator (unrouted)"]


def test_alerts_raised_outside_the_period_are_not_counted() -> None:
    """Raised the week after: not in this period's figures."""
    by_rule, _, _ = tables(alert("a1", "2026-12-01T10:00:00+00:00", "2026-12-01T14:00:00+00:00"))
    assert (0, 0, 0, 0, 0) == by_rule["Total"]


def test_time_to_acknowledge_median_and_90th_percentile() -> None:
    """Minutes to acknowledge 60, 120, 240: median 120, 90th percentile 240."""
    _, _, timeliness = tables(
        acked("a1", "2026-11-24T11:00:00+00:00"),
        acked("a2", "2026-11-24T12:00:00+00:00"),
        acked("a3", "2026-11-24T14:00:00+00:00"),
    )
    assert (120.0, 240.0) == (
        timeliness["median minutes to acknowledge"][0],
        timeliness["90th percentile minutes to acknowledge"][0],
    )


def test_operation_encompass_share_told_before_the_next_school_day() -> None:
    """P4: one notice raised before its school day started, one after: 50%."""
    rule = "p4-domestic-abuse-to-school"
    _, _, timeliness = tables(
        alert("p1", RAISED, DEADLINE, rule_id=rule, deliver_by="2026-11-25T08:45:00+00:00"),
        alert("p2", RAISED, DEADLINE, rule_id=rule, deliver_by="2026-11-24T08:45:00+00:00"),
    )
    assert (2, 1, 50.0) == (
        timeliness["Operation Encompass notices to schools (P4)"][0],
        timeliness["of them raised before the next school day started"][0],
        timeliness["share raised before the next school day, %"][0],
    )


def test_an_alert_superseded_after_the_period_is_still_counted_in_it() -> None:
    """Superseded the next week by a better route: this week's figures keep the first alert."""
    by_rule, _, _ = tables(
        alert("a0", RAISED, DEADLINE, superseded_by="a1"),
        alert("a1", "2026-12-01T10:00:00+00:00", "2026-12-01T14:00:00+00:00"),
    )
    assert (1, 0, 1, 0, 0) == by_rule["Total"]
