"""A report as text, CSV and JSON: completeness first; small counts suppressed on request."""

from __future__ import annotations

import json

from hub.mi.formatting import render, suppress
from hub.mi.report import Completeness, Report, SourceStatus, Table
from tests.fixtures.mi_world import WEEK

LATE = SourceStatus("POLICE", None, "daily", "2026-11-27T21:00:00+00:00", "late")
TABLE = Table(
    "t",
    "Counts",
    ("agency", "contacts"),
    (("POLICE", 3), ("SCHOOL", 12), ("Total", 15)),
    counts=(1,),
)


def report(*sources: SourceStatus) -> Report:
    return Report("referrals", "Referrals", WEEK, Completeness(sources), (TABLE,))


def test_an_incomplete_report_says_so_in_every_format() -> None:
    """Text and CSV start with the verdict and the late source; JSON says complete false."""
    text, table = render(report(LATE), "table"), render(report(LATE), "csv")
    assert text.splitlines()[1].startswith("INCOMPLETE") and "POLICE: late" in text
    assert "complete,NO: INCOMPLETE" == table.splitlines()[1]
    data = json.loads(render(report(LATE), "json"))
    assert (False, "POLICE") == (data["complete"], data["late_or_silent"][0]["agency"])


def test_a_complete_report_says_it_is_complete() -> None:
    """With every source on time the head says so."""
    assert render(report(), "table").splitlines()[1].startswith("Complete")


def test_small_counts_are_shown_below_the_threshold_totals_kept() -> None:
    """Threshold 5: 3 becomes <5, 12 stays, the total stays."""
    rows = suppress(report(), 5).tables[0].rows
    assert (("POLICE", "<5"), ("SCHOOL", 12), ("Total", 15)) == rows
