"""Identity work: records queued for a person, how long they wait, and what was decided.

From the identity cases' own recorded times (the hub's clock when each was queued and
decided): queued in the period; decided in it, linked to a child or declared a new one;
still waiting at the period's end, and of those, waiting longer than the reference's
``identity_waiting_working_days`` (weekdays that are not bank holidays in England).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from hub.mi.period import Period
from hub.mi.reference import MiReference
from hub.mi.report import Cell, Table
from hub.mi.sources import IdentityCase, Sources

COLUMNS = ("queued", "linked", "new", "waiting at end", "waiting too long")


def identity_table(
    sources: Sources,
    reference: MiReference,
    period: Period,
    is_working_day: Callable[[date], bool],
) -> Table:
    counts: dict[str, list[int]] = defaultdict(lambda: [0] * len(COLUMNS))
    end = period.end
    limit = reference.identity_waiting_working_days
    for case in sources.cases:
        if case.opened_at >= end:
            continue
        row = counts[case.agency]
        row[0] += period.holds(case.opened_at)
        decided = case.decided_at is not None and case.decided_at < end
        if decided and case.decided_at is not None and period.holds(case.decided_at):
            row[1] += case.outcome == "linked"
            row[2] += case.outcome == "new-child"
        if not decided:
            row[3] += 1
            row[4] += _working_days(case, period, is_working_day) > limit
    total = [sum(row[i] for row in counts.values()) for i in range(len(COLUMNS))]
    rows: list[tuple[Cell, ...]] = [(name, *row) for name, row in sorted(counts.items())]
    rows.append(("Total", *total))
    return Table(
        "identity-by-agency",
        f"Identity queue by agency (waiting too long: over {limit} working days at the end)",
        ("agency", *COLUMNS),
        tuple(rows),
        chart=1,
        counts=tuple(range(1, len(COLUMNS) + 1)),
    )


def _working_days(
    case: IdentityCase, period: Period, is_working_day: Callable[[date], bool]
) -> int:
    """Whole working days from the day after it was queued to the period's last day."""
    day = case.opened_at.astimezone(period.zone).date() + timedelta(days=1)
    days = 0
    while day <= period.last:
        days += is_working_day(day)
        day += timedelta(days=1)
    return days
