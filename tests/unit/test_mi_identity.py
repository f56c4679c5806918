"""Identity work: queued, decided, and waiting longer than two working days at the end."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.mi.identity import identity_table
from hub.mi.reports import is_working_day
from hub.mi.sources import IdentityCase, Sources
from tests.fixtures.mi_world import WEEK, reference


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=UTC)


def total(*cases: IdentityCase) -> tuple[object, ...]:
    table = identity_table(Sources(cases=list(cases)), reference(), WEEK, is_working_day)
    return {str(row[0]): row[1:] for row in table.rows}["Total"]


def test_queued_linked_new_and_waiting() -> None:
    """Three queued in the week: one linked, one declared new, one still waiting."""
    cases = [
        IdentityCase("k1", "SCHOOL", at(23), at(24), "linked"),
        IdentityCase("k2", "POLICE", at(24), at(25), "new-child"),
        IdentityCase("k3", "SCHOOL", at(27)),
    ]
    assert (3, 1, 1, 1, 0) == total(*cases)


def test_waiting_longer_than_two_working_days_at_the_end() -> None:
    """Queued Monday: Tuesday to Friday are four working days by Sunday's end; Thursday's: one."""
    assert (2, 0, 0, 2, 1) == total(
        IdentityCase("k1", "SCHOOL", at(23)), IdentityCase("k2", "SCHOOL", at(26))
    )


def test_a_case_decided_after_the_period_was_still_waiting_at_its_end() -> None:
    """Decided the next week: waiting at the end, not linked in the period."""
    case = IdentityCase("k1", "SCHOOL", at(27), datetime(2026, 12, 1, tzinfo=UTC), "linked")
    assert (1, 0, 0, 1, 0) == total(case)
