"""``hub generate`` writes school rolls the roll adapter reads: every pupil, leavers and joiners."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from adapters import school_roll
from tests.unit.test_generator_support import NOW, csv_rows, day_dirs, jsonl, run


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough children over enough school days for some pupils to change school."""
    return run(tmp_path_factory.mktemp("roll"), children=8000, days=8, start=date(2026, 11, 2))


def test_baseline_roll_lists_every_pupil_once_with_their_upn(out: Path) -> None:
    """Each child the generator put on a roll is on the baseline roll, under its own UPN."""
    pupils = {row["child_id"]: row for row in jsonl(out / "population.jsonl") if row["school_urn"]}
    rows = csv_rows(out / "baseline" / "school-roll.csv")
    assert len(pupils) == len(rows)
    by_upn = {row["upn"]: row for row in rows if row["upn"]}
    assert len(by_upn) >= 0.95 * len(rows)
    for child in pupils.values():
        if child["upn"] in by_upn:
            assert child["school_urn"] == by_upn[child["upn"]]["school_urn"]


def test_every_generated_roll_row_is_published_without_rejection(out: Path) -> None:
    """The adapter reads the baseline and each day's roll with no rejection and no notice."""
    files = [out / "baseline" / "school-roll.csv"] + [d / "school-roll.csv" for d in day_dirs(out)]
    for path in files:
        export = school_roll.parse_file(path, now=NOW)
        assert ([], []) == (export.rejected, export.notices), path
        assert len(csv_rows(path)) == len(export.events)


def test_a_school_move_is_a_leaver_at_the_old_school_and_a_joiner_at_the_new(out: Path) -> None:
    """On the move day the old school's row has the leaving date and the new one the entry."""
    moves = [row for d in day_dirs(out) for row in csv_rows(d / "school-roll.csv")]
    leavers = [row for row in moves if row["leaving_date"]]
    joiners = [row for row in moves if not row["leaving_date"]]
    assert leavers and len(leavers) == len(joiners)
    for left, joined in zip(leavers, joiners, strict=True):
        assert ("O", "C") == (left["enrolment_status"], joined["enrolment_status"])
        assert left["leaving_date"] == joined["entry_date"]
        assert left["school_urn"] != joined["school_urn"]


def test_roll_is_the_same_for_the_same_seed(out: Path, tmp_path: Path) -> None:
    """Generating again with the same seed writes the same roll, byte for byte."""
    again = run(tmp_path / "again", children=8000, days=8, start=date(2026, 11, 2))
    for name in ("baseline/school-roll.csv", "day-001/school-roll.csv"):
        assert (out / name).read_bytes() == (again / name).read_bytes()


def test_no_pupil_enters_a_roll_after_the_start_date(out: Path) -> None:
    """Every entry date on the baseline roll is on or before the first generated day."""
    rows = csv_rows(out / "baseline" / "school-roll.csv")
    assert max(row["entry_date"] for row in rows) <= "2026-11-02"
