"""Children on plans and looked after (C2, C4), by event date, at a period's end."""

from __future__ import annotations

from hub.mi.plans import plans_table
from hub.mi.sources import Sources
from tests.fixtures.mi_world import WEEK, child, reference, status


def total(*children: object) -> tuple[object, ...]:
    table = plans_table(Sources(list(children)), reference(), WEEK, "agency")  # type: ignore[arg-type]
    return {str(row[0]): row[1:] for row in table.rows}["Total"]


def test_a_plan_started_in_the_period_counts_as_a_start_and_on_a_plan() -> None:
    """On a plan at the end and one start; nothing else."""
    assert (1, 0, 0, 1, 0, 0, 0, 0) == total(child("c1", status("PLAN_STARTED", "2026-11-24")))


def test_a_child_on_a_plan_and_looked_after_is_a_dual_plan() -> None:
    """C4: looked after since last year, on a plan since the period: dual plans."""
    both = child(
        "c1", status("LOOKED_AFTER_STARTED", "2025-05-01"), status("PLAN_STARTED", "2026-11-25")
    )
    assert (1, 1, 1, 1, 0, 0, 0, 0) == total(both)


def test_ends_in_the_period_and_changes_after_it() -> None:
    """A plan ended in the period is an end; one started after the period is not counted."""
    ended = child("c1", status("PLAN_STARTED", "2026-01-01"), status("PLAN_ENDED", "2026-11-26"))
    later = child("c2", status("PLAN_STARTED", "2026-12-02"))
    assert (0, 0, 0, 0, 1, 0, 0, 0) == total(ended, later)


def test_a_plan_open_longer_than_two_years_is_counted() -> None:
    """Started in 2024 and still open at the end: on a plan, and open too long."""
    assert (1, 0, 0, 0, 0, 0, 0, 1) == total(child("c1", status("PLAN_STARTED", "2024-10-01")))


def test_grouped_by_responsible_authority() -> None:
    """--by agency groups plans by the responsible authority the status names."""
    table = plans_table(
        Sources(
            [
                child("c1", status("PLAN_STARTED", "2026-11-24", "991")),
                child("c2", status("PLAN_STARTED", "2026-11-24", "992")),
            ]
        ),
        reference(),
        WEEK,
        "agency",
    )
    assert ["991", "992", "Total"] == [row[0] for row in table.rows]
