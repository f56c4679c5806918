"""Identity hard cases in generated data: near-name multiples, quirks per agency, ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hub.domain.names import Likeness, likeness
from synthetic import GeneratorConfig, generate
from tests.unit.test_generator_support import NOW, START, jsonl, run, school_rows


def _run(out: Path, share: float = 0.1, children: int = 3000) -> Path:
    generate(GeneratorConfig(children, 2, 5, START, share), out, now=NOW)
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run(tmp_path_factory.mktemp("hard"))


@pytest.fixture(scope="module")
def cases(out: Path) -> list[dict[str, Any]]:
    return jsonl(out / "identity-hard-cases.jsonl")


@pytest.fixture(scope="module")
def population(out: Path) -> dict[str, dict[str, Any]]:
    return {c["child_id"]: c for c in jsonl(out / "population.jsonl")}


def test_without_hard_cases_no_hard_case_file_is_written(tmp_path: Path) -> None:
    """The default share (0) writes the same files as before: no identity-hard-cases.jsonl."""
    assert False is (run(tmp_path, children=200, days=1) / "identity-hard-cases.jsonl").exists()


def test_hard_cases_are_deterministic(tmp_path: Path) -> None:
    """The same seed and share give the same hard cases."""
    first = _run(tmp_path / "a", children=800)
    second = _run(tmp_path / "b", children=800)
    assert (first / "identity-hard-cases.jsonl").read_bytes() == (
        second / "identity-hard-cases.jsonl"
    ).read_bytes()


def test_every_kind_of_hard_case_is_generated(cases: list[dict[str, Any]]) -> None:
    """Twins and triplets with near names, misspellings, nicknames, transposed dates, surnames."""
    assert {
        "near-name-twins",
        "near-name-triplets",
        "misspelt",
        "nickname",
        "transposed-dob",
        "surname-change",
    } == {case["hard_case"] for case in cases}


def test_near_name_multiples_share_surname_birth_date_and_home(
    cases: list[dict[str, Any]], population: dict[str, dict[str, Any]]
) -> None:
    """Each near-name twin's given name is a letter from a co-twin's, all else shared."""
    multiples = [c for c in cases if c["hard_case"].startswith("near-name-")]
    wrong = []
    for case in multiples:
        child = population[case["child_id"]]
        others = [population[other] for other in case["born_with"]]
        same = all(
            (o["family_name"], o["dob"], o["uprn"])
            == (child["family_name"], child["dob"], child["uprn"])
            for o in others
        )
        near = any(
            likeness(child["given_name"], o["given_name"]) is Likeness.ONE_LETTER for o in others
        )
        if not (others and same and near):
            wrong.append(case["child_id"])
    assert (len(multiples) >= 4, wrong) == (True, [])


def test_some_second_twins_have_no_nhs_number(
    cases: list[dict[str, Any]], population: dict[str, dict[str, Any]]
) -> None:
    """Like Eva, some near-name twins are known to school by UPN only."""
    multiples = [population[c["child_id"]] for c in cases if c["hard_case"] == "near-name-twins"]
    assert any(child["nhs_number"] is None and child["upn"] for child in multiples)


def test_school_quirks_appear_in_every_register_row(
    out: Path, cases: list[dict[str, Any]], population: dict[str, dict[str, Any]]
) -> None:
    """A school holding a misspelt name or swapped birth date writes it in each row."""
    rows = school_rows(out)
    checked = 0
    for case in (c for c in cases if c["agency"] == "school"):
        upn = population[case["child_id"]]["upn"]
        mine = [row for row in rows if row["upn"] == upn]
        for row in mine:
            if case["recorded_given_name"]:
                assert case["recorded_given_name"] == row["legal_forename"]
            if case["recorded_date_of_birth"]:
                assert case["recorded_date_of_birth"] == row["date_of_birth"]
        checked += bool(mine)
    assert checked >= 3


def test_surname_changes_are_of_children_on_a_plan(
    cases: list[dict[str, Any]], population: dict[str, dict[str, Any]]
) -> None:
    """The changed surname is a child on a plan's, recorded by social care and the police."""
    changes = [c for c in cases if c["hard_case"] == "surname-change"]
    assert {("csc", True), ("police", True)} == {
        (c["agency"], population[c["child_id"]]["on_plan"]) for c in changes
    }
    assert all(
        c["recorded_family_name"] != population[c["child_id"]]["family_name"] for c in changes
    )
