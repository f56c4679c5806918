"""Children on plans and looked after (C2, C4): at the period's end, and starts and ends in it.

Built from the children's social care status entries by their event dates (the date the
authority gave), so a status recorded late still counts on its day. At the end of the
period: children on a child protection plan, looked after, both (dual plans, C4), and on
a plan open longer than the reference's ``plans_open_longer_than_days`` (two years).
Grouped by the responsible authority (``--by agency`` or ``site``), or by the child's
district, team or school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from hub.domain.chronology import ChronologyEntry
from hub.mi.period import Period
from hub.mi.reference import MiReference
from hub.mi.report import Cell, Table
from hub.mi.sources import MiChild, Sources

PLAN_STARTS = ("PLAN_STARTED", "UNBORN_PLAN_STARTED")
COLUMNS = (
    "on a plan",
    "looked after",
    "dual plans",
    "plan starts",
    "plan ends",
    "care starts",
    "care ends",
    "plans open too long",
)


@dataclass
class Status:
    """One child's status at the end of a period, and its changes during it."""

    authority: str = "unknown"
    plan_since: date | None = None
    looked_after: bool = False
    changes: tuple[int, int, int, int] = (0, 0, 0, 0)


def status_at_end(child: MiChild, period: Period) -> Status:
    status = Status()
    changes = [0, 0, 0, 0]
    for entry in sorted(_statuses(child), key=lambda e: (_day(e), e.occurred_at)):
        day = _day(entry)
        if day > period.last:
            break
        event = str(entry.details.get("status_event"))
        status.authority = str(entry.details.get("responsible_authority") or status.authority)
        during = day >= period.first
        if event in PLAN_STARTS:
            status.plan_since = status.plan_since or day
            changes[0] += during
        elif event == "PLAN_ENDED" and status.plan_since is not None:
            status.plan_since = None
            changes[1] += during
        elif event == "LOOKED_AFTER_STARTED" and not status.looked_after:
            status.looked_after = True
            changes[2] += during
        elif event == "LOOKED_AFTER_ENDED" and status.looked_after:
            status.looked_after = False
            changes[3] += during
    status.changes = (changes[0], changes[1], changes[2], changes[3])
    return status


def plans_table(sources: Sources, reference: MiReference, period: Period, by: str) -> Table:
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    too_long = period.last - timedelta(days=reference.plans_open_longer_than_days)
    for child in sources.children:
        status = status_at_end(child, period)
        on_plan = status.plan_since is not None
        row = [
            int(on_plan),
            int(status.looked_after),
            int(on_plan and status.looked_after),
            *status.changes,
            int(status.plan_since is not None and status.plan_since < too_long),
        ]
        if not any(row):
            continue
        group = status.authority if by in ("agency", "site") else str(getattr(child, by))
        for index, value in enumerate(row):
            counts[group][index] += value
    total = [sum(row[i] for row in counts.values()) for i in range(len(COLUMNS))]
    rows: list[tuple[Cell, ...]] = [(name, *row) for name, row in sorted(counts.items())]
    rows.append(("Total", *total))
    group_name = "authority" if by in ("agency", "site") else by
    return Table(
        f"plans-by-{group_name}",
        f"Children on plans and looked after at the period's end; starts and ends in it "
        f"(plans open too long: over {reference.plans_open_longer_than_days} days)",
        (group_name, *COLUMNS),
        tuple(rows),
        chart=1,
        counts=tuple(range(1, len(COLUMNS) + 1)),
    )


def _statuses(child: MiChild) -> list[ChronologyEntry]:
    return [e for e in child.entries if e.kind.startswith("cp-status-")]


def _day(entry: ChronologyEntry) -> date:
    return date.fromisoformat(str(entry.details.get("event_date") or entry.occurred_at)[:10])
