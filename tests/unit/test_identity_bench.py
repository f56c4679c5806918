"""The identity bench's core on a small hard-case population: no wrong merges, doubt queued."""

from __future__ import annotations

import random
from datetime import date
from pathlib import Path

import pytest

from bench.identity_bench import IdentityBenchOptions, Tally, run_records
from bench.identity_records import BenchRecord, bench_records
from hub.application.facts import SubjectRef
from hub.application.resolver import Resolution, resolve, resolve_by_identifiers_only
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.identity import Outcome
from hub.domain.indexes import IndexIds
from synthetic.config import GeneratorConfig
from synthetic.world import build_world

OPTIONS = IdentityBenchOptions(children=2000, hard_cases=0.1, store="memory")
QUIRKS = ("hard case: misspelt", "hard case: transposed-dob")


@pytest.fixture(scope="module")
def records() -> list[BenchRecord]:
    world = build_world(GeneratorConfig(2000, 1, 4, date(2026, 11, 2), OPTIONS.hard_cases))
    return bench_records(world, random.Random(4))


@pytest.fixture(scope="module")
def hub_rule(records: list[BenchRecord], tmp_path_factory: pytest.TempPathFactory) -> Tally:
    return run_records(records, resolve, "hub", OPTIONS, tmp_path_factory.mktemp("hub"))


def test_hub_rule_merges_no_record_into_another_child(hub_rule: Tally) -> None:
    """On 2,000 children with hard cases, no record is linked to the wrong child."""
    assert (0, True) == (hub_rule.wrong_merges, hub_rule.records > 2000)


def test_near_name_twins_and_triplets_wait_in_the_queue(hub_rule: Tally) -> None:
    """Records of near-name multiples with a known co-twin go to the identity queue."""
    assert hub_rule.by_case["near-name multiple birth"]["queued"] > 0


def test_misspelt_and_misdated_records_wait_for_a_person(hub_rule: Tally) -> None:
    """A known child's misspelt or misdated record is queued, never linked to another child."""
    counts = [hub_rule.by_case[case] for case in QUIRKS]
    assert [0, 0] == [c["wrong_merge"] for c in counts]
    assert [True, True] == [c["queued"] > 0 for c in counts]


def _guessing(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
    """A guessing rule, as the hub's once was: link the best candidate of any near match."""
    resolution = resolve(uow, ids, subject)
    if resolution.outcome is Outcome.REVIEW and resolution.candidates:
        child = uow.get(Child, resolution.candidates[0].child_id)
        return Resolution(Outcome.MATCHED, "guess", child, "demographics")
    return resolution


def test_bench_counts_the_wrong_merges_of_a_guessing_rule(
    records: list[BenchRecord], tmp_path: Path
) -> None:
    """A rule that links near matches is caught merging twins: the count can fail."""
    guessed = run_records(records, _guessing, "guess", OPTIONS, tmp_path)
    assert guessed.wrong_merges > 0


def test_identifier_only_baseline_splits_children_the_hub_rule_keeps_together(
    records: list[BenchRecord], hub_rule: Tally, tmp_path: Path
) -> None:
    """Without demographics, known children's records start second children far more often."""
    baseline = run_records(records, resolve_by_identifiers_only, "ids", OPTIONS, tmp_path)
    assert (0, True) == (
        baseline.wrong_merges,
        baseline.wrong_new_children > 10 * max(hub_rule.wrong_new_children, 1),
    )
