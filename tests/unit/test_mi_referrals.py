"""Contacts, referrals and re-referrals (G1, R2) from hand-made chronologies."""

from __future__ import annotations

from hub.mi.referrals import referrals_table
from hub.mi.sources import Sources
from tests.fixtures.mi_world import WEEK, arrival, child, incident, reference


def rows(sources: Sources, by: str = "agency") -> dict[str, tuple[object, ...]]:
    table = referrals_table(sources, reference(), WEEK, by)
    return {str(row[0]): row[1:] for row in table.rows}


def test_an_attendance_is_one_contact_however_many_entries_it_has() -> None:
    """An arrival with an injury and its update raising a concern: one contact, one referral."""
    attendance = [
        arrival("2026-11-24T10:00:00+00:00", "V1", injury=True),
        arrival("2026-11-24T11:00:00+00:00", "V1", safeguarding_concern_raised=True),
    ]
    assert (1, 1, 0, 0.0) == rows(Sources([child("c1", *attendance)]))["EMERGENCY_CARE"]


def test_an_attendance_without_a_flag_is_no_contact() -> None:
    """A plain arrival is not a contact about a concern."""
    sources = Sources([child("c1", arrival("2026-11-24T10:00:00+00:00", "V1", injury=False))])
    assert (0, 0, 0, None) == rows(sources)["Total"]


def test_standard_risk_incidents_are_contacts_medium_and_high_are_referrals() -> None:
    """P2: a standard-risk incident is a contact only; medium and high are referrals."""
    sources = Sources(
        [
            child("c1", incident("2026-11-24T22:00:00+00:00", "I1", "STANDARD")),
            child("c2", incident("2026-11-25T22:00:00+00:00", "I2", "HIGH")),
        ]
    )
    assert (2, 1, 0, 0.0) == rows(sources)["POLICE"]


def test_a_child_told_only_through_the_household_is_no_contact() -> None:
    """P3 fan-out to an unnamed sibling is not counted again as a contact."""
    sources = Sources([child("c1", incident("2026-11-24T22:00:00+00:00", "I1", "HIGH", False))])
    assert (0, 0, 0, None) == rows(sources)["Total"]


def test_a_second_referral_within_a_year_is_a_re_referral_even_from_before_the_period() -> None:
    """R2: a referral in March makes November's a re-referral; one two years back does not."""
    again = child(
        "c1",
        arrival("2026-03-01T10:00:00+00:00", "V0", suspected_non_accidental_injury=True),
        arrival("2026-11-24T10:00:00+00:00", "V1", safeguarding_concern_raised=True),
    )
    first_in_years = child(
        "c2",
        arrival("2024-06-01T10:00:00+00:00", "V2", safeguarding_concern_raised=True),
        arrival("2026-11-25T10:00:00+00:00", "V3", safeguarding_concern_raised=True),
    )
    assert (2, 2, 1, 50.0) == rows(Sources([again, first_in_years]))["EMERGENCY_CARE"]


def test_contacts_outside_the_period_are_not_counted() -> None:
    """Only episodes that began in the period's days (England's local time) count."""
    sources = Sources(
        [
            child("c1", arrival("2026-11-22T23:30:00+00:00", "V1", injury=True)),
            child("c2", arrival("2026-11-30T00:00:00+00:00", "V2", injury=True)),
        ]
    )
    assert (0, 0, 0, None) == rows(sources)["Total"]


def test_counts_group_by_district_team_and_site() -> None:
    """--by district, team and site use the child's district and team and the A&E site."""
    sources = Sources(
        [
            child("c1", arrival("2026-11-24T10:00:00+00:00", "V1", "RZB01", injury=True)),
            child(
                "c2",
                arrival("2026-11-24T12:00:00+00:00", "V2", injury=True),
                district="NX3",
                team="unallocated",
            ),
        ]
    )
    assert {"NX1", "NX3", "Total"} == set(rows(sources, "district"))
    assert {"Team 1", "unallocated", "Total"} == set(rows(sources, "team"))
    assert {"RZA01", "RZB01", "Total"} == set(rows(sources, "site"))
