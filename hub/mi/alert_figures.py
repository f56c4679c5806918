"""Alerts by rule and by recipient team (G1, G2), time to acknowledge, and P4 timeliness.

Counted: the alerts first raised in the period (escalations, and alerts a better-routed
one raised by the period's end superseded, are not counted again). As at the period's
end, from the alert store's recorded times: acknowledged by then; overdue (its deadline
passed by then, unanswered at the deadline); escalated (an escalation raised by then);
unrouted (nobody could be found: to the duty operator). Time to acknowledge is the median
and 90th percentile of those acknowledged by the end. Operation Encompass (P4): the share
of notices to schools raised before the start of the next school day (their ``deliver_by``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from hub.alerts.store import ACKNOWLEDGED, Alert
from hub.domain.chronology import instant
from hub.mi.period import Period
from hub.mi.report import Cell, Table
from hub.mi.sources import Sources

ENCOMPASS_RULE = "p4-domestic-abuse-to-school"
COLUMNS = ("raised", "acknowledged", "overdue", "escalated", "unrouted")


def counted_alerts(sources: Sources, period: Period) -> list[Alert]:
    """Original alerts raised in the period, not superseded by then by a better-routed one.

    An alert superseded after the period's end is still counted in it: as at its end.
    """
    raised = {alert.alert_id: alert.raised_at for alert in sources.alerts}
    end = period.end

    def superseded(alert: Alert) -> bool:
        successor = raised.get(alert.superseded_by or "")
        return successor is not None and instant(successor) < end

    return [
        alert
        for alert in sources.alerts
        if alert.escalation_level == 0
        and alert.state != "refused"
        and period.holds(alert.raised_at)
        and not superseded(alert)
    ]


def alert_tables(sources: Sources, period: Period) -> tuple[Table, ...]:
    alerts = counted_alerts(sources, period)
    end = period.end
    escalated = {
        alert.escalates
        for alert in sources.alerts
        if alert.escalates and instant(alert.raised_at) < end
    }

    def row_of(alert: Alert) -> list[int]:
        acked = _acknowledged_at(alert)
        deadline = instant(alert.ack_deadline)
        overdue = deadline < end and (acked is None or acked > deadline)
        return [
            1,
            int(acked is not None and acked < end),
            int(overdue),
            int(alert.alert_id in escalated),
            int(alert.unrouted),
        ]

    return (
        _grouped(alerts, "rule", lambda a: a.rule_id, row_of),
        _grouped(alerts, "team", _team, row_of),
        _timeliness(alerts, end),
    )


def _team(alert: Alert) -> str:
    recipient = alert.recipient
    return (
        "duty operator (unrouted)"
        if alert.unrouted
        else f"{recipient.organisation} {recipient.kind}"
    )


def _acknowledged_at(alert: Alert) -> datetime | None:
    if alert.state != ACKNOWLEDGED or not alert.acknowledged_at:
        return None
    return instant(alert.acknowledged_at)


def _grouped(
    alerts: list[Alert], by: str, key: Callable[[Alert], str], row_of: Callable[[Alert], list[int]]
) -> Table:
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    for alert in alerts:
        for index, value in enumerate(row_of(alert)):
            counts[key(alert)][index] += value
    total = [sum(row[i] for row in counts.values()) for i in range(len(COLUMNS))]
    rows: list[tuple[Cell, ...]] = [(name, *row) for name, row in sorted(counts.items())]
    rows.append(("Total", *total))
    title = "rule" if by == "rule" else "recipient team (organisation and kind)"
    return Table(
        f"alerts-by-{by}",
        f"Alerts raised in the period by {title}, as at the period's end",
        (by, *COLUMNS),
        tuple(rows),
        chart=1,
        counts=tuple(range(1, len(COLUMNS) + 1)),
    )


def _timeliness(alerts: list[Alert], end: datetime) -> Table:
    minutes = sorted(
        (acked - instant(alert.raised_at)).total_seconds() / 60
        for alert in alerts
        if (acked := _acknowledged_at(alert)) is not None and acked < end
    )
    encompass = [a for a in alerts if a.rule_id == ENCOMPASS_RULE and a.deliver_by]
    in_time = sum(1 for a in encompass if instant(a.raised_at) <= instant(a.deliver_by or ""))
    share = round(100 * in_time / len(encompass), 1) if encompass else None
    rows = (
        ("alerts acknowledged by the end", len(minutes)),
        ("median minutes to acknowledge", _percentile(minutes, 50)),
        ("90th percentile minutes to acknowledge", _percentile(minutes, 90)),
        ("Operation Encompass notices to schools (P4)", len(encompass)),
        ("of them raised before the next school day started", in_time),
        ("share raised before the next school day, %", share),
    )
    return Table("alert-timeliness", "Timeliness", ("measure", "value"), rows, chart=None)


def _percentile(values: list[float], percent: int) -> float | None:
    """Nearest-rank percentile (a value that occurred), in minutes to one decimal place."""
    if not values:
        return None
    rank = max(1, math.ceil(percent / 100 * len(values)))
    return round(values[rank - 1], 1)
