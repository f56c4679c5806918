"""The one population builder: the generator's households as always, the benchmarks' shapes."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from itertools import pairwise

import pytest

from synthetic.identifiers import is_valid_nhs_number
from synthetic.population import (
    ALONE,
    BENCH_DATE,
    ENGLAND,
    FAMILIES,
    MIN_SIBLING_GAP_DAYS,
    HouseholdShape,
    Population,
    bench_population,
    build_population,
)
from synthetic.rng import stream


def _digest(population: Population) -> str:
    """Every drawn detail of every household and child, hashed in order."""
    h = hashlib.sha256()
    for household in population.households:
        a = household.address
        h.update(
            f"{household.household_id}|{household.template}|{a.uprn}|{a.line1}|{a.postcode}|"
            f"{household.gp_practice.code}\n".encode()
        )
    for c in population.children:
        h.update(
            f"{c.child_id}|{c.given_name}|{c.family_name}|{c.sex}|{c.dob}|{c.household_id}|"
            f"{c.nhs_number}|{c.twin_of}|{','.join(c.sibling_ids)}\n".encode()
        )
    return h.hexdigest()


def test_england_draws_the_population_the_generator_always_has() -> None:
    """Seed 7's households and children, with and without hard cases, hash as before the merge."""
    start = date(2026, 11, 6)
    plain = build_population(600, start, stream(7, "population"))
    hard = build_population(600, start, stream(7, "population"), 0.1, stream(7, "hard-cases"))
    assert [
        "e4b4c7df1824e7ffc07bd6513b81c90292d347cbf0369e73e5642795a5026c75",
        "f43f181f0320e0fa04cb0809a46023ef33f1f1acab4ee2d037b9fafc809b9d7f",
    ] == [_digest(plain), _digest(hard)]


@pytest.mark.parametrize("shape", [ENGLAND, FAMILIES, ALONE], ids=lambda s: s.name)
def test_the_same_seed_gives_the_same_children_and_another_seed_others(
    shape: HouseholdShape,
) -> None:
    """Children are drawn in a fixed order from the seed, whatever the shape."""
    first = _digest(bench_population(300, 5, shape))
    assert first == _digest(bench_population(300, 5, shape))
    assert first != _digest(bench_population(300, 6, shape))


def test_a_benchmark_population_of_england_is_the_generators() -> None:
    """bench_population draws from the generator's population stream, aged on BENCH_DATE."""
    assert _digest(build_population(200, BENCH_DATE, stream(3, "population"))) == _digest(
        bench_population(200, 3, ENGLAND)
    )


def test_alone_gives_each_school_age_child_a_home_and_an_nhs_number_of_their_own() -> None:
    """ALONE: one child a household, numbered in turn, aged 6 to 16, distinct valid numbers."""
    people = bench_population(500, 1, ALONE).people()
    assert list(range(500)) == [person.serial for person in people]
    assert 500 == len({person.uprn for person in people})
    numbers = {person.nhs_number for person in people}
    assert (500, True) == (len(numbers), all(is_valid_nhs_number(n) for n in numbers))
    oldest, youngest = (BENCH_DATE - timedelta(days=d) for d in (16 * 365, 6 * 365))
    assert [] == [p.serial for p in people if not oldest <= p.date_of_birth <= youngest]


def test_families_share_a_home_hold_one_to_three_children_and_stop_at_the_count() -> None:
    """FAMILIES: siblings share the UPRN and postcode, spaced apart, every child numbered."""
    families = bench_population(1001, 2, FAMILIES).families()
    children = [child for family in families for child in family]
    assert list(range(1001)) == [child.serial for child in children]
    assert {1, 2, 3} == {len(family) for family in families}
    assert [] == [f[0].serial for f in families if len({(c.uprn, c.postcode) for c in f}) != 1]
    assert len(families) == len({family[0].uprn for family in families})
    gaps = [
        (younger.date_of_birth - older.date_of_birth).days
        for family in families
        for older, younger in pairwise(family)
    ]
    assert (True, True) == (len(gaps) > 0, min(gaps) >= MIN_SIBLING_GAP_DAYS)
    assert 1001 == len({child.nhs_number for child in children})


def test_england_has_its_fixed_households_twins_and_children_without_nhs_numbers() -> None:
    """ENGLAND starts with an infant and its sibling, then twins; some children lack a number."""
    population = build_population(400, BENCH_DATE, stream(1, "population"))
    first, second = population.households[:2]
    assert ("infant", 2, "twins", 2) == (
        first.template,
        len(first.member_ids),
        second.template,
        len(second.member_ids),
    )
    assert any(child.nhs_number is None for child in population.children)
    with pytest.raises(ValueError, match="no NHS number"):
        population.people()


def test_shapes_that_cannot_be_built_are_refused() -> None:
    """Sizes need weights, and the age range must leave room to space the largest household."""
    with pytest.raises(ValueError, match="weight"):
        HouseholdShape("odd", sizes=(1, 2), size_weights=(1.0,))
    with pytest.raises(ValueError, match="too narrow"):
        HouseholdShape("narrow", sizes=(3,), size_weights=(1.0,), oldest_days=600)
