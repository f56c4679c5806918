"""The generated population: households, twins, NHS numbers, pupils, the at-risk cohort."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from synthetic.identifiers import is_valid_nhs_number, is_valid_upn
from tests.unit.test_generator_support import jsonl, run


@pytest.fixture(scope="module")
def children(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return jsonl(run(tmp_path_factory.mktemp("population")) / "population.jsonl")


@pytest.fixture(scope="module")
def households(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return jsonl(run(tmp_path_factory.mktemp("households")) / "households.jsonl")


def test_population_has_the_requested_number_of_children(children: list[dict[str, Any]]) -> None:
    """One line per child, ids C000001 upwards."""
    assert [children[0]["child_id"], children[-1]["child_id"]] == ["C000001", "C000600"]


def test_all_nhs_numbers_pass_modulus_11(children: list[dict[str, Any]]) -> None:
    """Every NHS number in the population has a correct check digit."""
    numbers = [c["nhs_number"] for c in children if c["nhs_number"]]
    assert [n for n in numbers if not is_valid_nhs_number(n)] == []


def test_nhs_numbers_are_unique(children: list[dict[str, Any]]) -> None:
    """No two children share an NHS number."""
    numbers = [c["nhs_number"] for c in children if c["nhs_number"]]
    assert len(numbers) == len(set(numbers))


def test_some_children_have_no_nhs_number(children: list[dict[str, Any]]) -> None:
    """A few percent of children have no NHS number."""
    missing = sum(1 for c in children if c["nhs_number"] is None)
    assert 0 < missing < len(children) * 0.1


def test_twins_share_date_of_birth_surname_and_address(children: list[dict[str, Any]]) -> None:
    """Every twin pair is mutual and shares DOB, family name, household and UPRN."""
    by_id = {c["child_id"]: c for c in children}
    twins = [c for c in children if c["twin_of"]]
    mismatched = [
        c["child_id"]
        for c in twins
        if by_id[c["twin_of"]]["twin_of"] != c["child_id"]
        or any(
            by_id[c["twin_of"]][k] != c[k] for k in ("dob", "family_name", "household_id", "uprn")
        )
    ]
    assert (len(twins) >= 2, mismatched) == (True, [])


def test_ages_are_0_to_17(children: list[dict[str, Any]]) -> None:
    """Every child was born within 18 years before the start."""
    assert [c["child_id"] for c in children if not "2008-11-06" <= c["dob"] <= "2026-11-05"] == []


def test_households_hold_one_to_four_children(households: list[dict[str, Any]]) -> None:
    """Household sizes run from 1 to 4, with single-child households present."""
    sizes = Counter(len(h["members"]) for h in households)
    assert (set(sizes) <= {1, 2, 3, 4}, sizes[1] > 0) == (True, True)


def test_siblings_share_address_and_mostly_surname(children: list[dict[str, Any]]) -> None:
    """Siblings always share the UPRN; most but not all share the family name."""
    by_id = {c["child_id"]: c for c in children}
    pairs = [(c, by_id[s]) for c in children for s in c["sibling_ids"]]
    same_name = sum(1 for a, b in pairs if a["family_name"] == b["family_name"])
    assert (
        [a["child_id"] for a, b in pairs if a["uprn"] != b["uprn"]],
        len(pairs) * 0.6 < same_name < len(pairs),
    ) == ([], True)


def test_pupils_have_valid_upns(children: list[dict[str, Any]]) -> None:
    """Every child on a school roll has a UPN with a correct check letter."""
    pupils = [c for c in children if c["school_urn"]]
    assert [c["child_id"] for c in pupils if not (c["upn"] and is_valid_upn(c["upn"]))] == []


def test_infant_scenario_child_is_not_on_a_plan(children: list[dict[str, Any]]) -> None:
    """The infant with multiple agency signals is under one and not on a plan."""
    infants = [c for c in children if "infant-multi-agency" in c["scenarios"]]
    assert [(c["on_plan"], c["dob"] > "2025-11-05") for c in infants] == [(False, True)]


def test_at_risk_cohort_is_about_two_percent(children: list[dict[str, Any]]) -> None:
    """Between 2% and 5% of children are in the at-risk cohort (whole households)."""
    at_risk = sum(1 for c in children if c["at_risk"])
    assert 0.02 * len(children) <= at_risk <= 0.05 * len(children)


def test_some_children_move_house(children: list[dict[str, Any]]) -> None:
    """At least one household moves during the period."""
    assert True is any(c["moves"] for c in children)
