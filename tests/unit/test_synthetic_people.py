"""The benchmarks' children: the same seed gives the same people, numbered and valid."""

from __future__ import annotations

import random

from synthetic.identifiers import is_valid_nhs_number
from synthetic.people import households, people


def test_the_same_seed_gives_the_same_people_and_another_seed_others() -> None:
    """People are drawn in a fixed order from the seed alone."""
    assert people(200, random.Random(5)) == people(200, random.Random(5))
    assert people(200, random.Random(5)) != people(200, random.Random(6))


def test_people_are_numbered_in_turn_with_valid_distinct_nhs_numbers() -> None:
    """Each child has its serial, its own address and an NHS number no one else has."""
    made = people(500, random.Random(1))
    assert [person.serial for person in made] == list(range(500))
    numbers = [person.nhs_number for person in made]
    assert len(set(numbers)) == 500
    assert all(is_valid_nhs_number(number) for number in numbers)
    assert len({person.uprn for person in made}) == 500


def test_households_share_a_surname_and_a_home_and_stop_at_the_count() -> None:
    """Families of one to three, the last cut to fit; the used numbers are shared."""
    used: set[str] = set()
    families = list(households(1001, random.Random(2), used))
    children = [child for family in families for child in family]
    assert len(children) == 1001
    assert [child.serial for child in children] == list(range(1001))
    assert all(1 <= len(family) <= 3 for family in families)
    for family in families:
        assert len({(c.family_name, c.postcode, c.uprn) for c in family}) == 1
    assert len({family[0].uprn for family in families}) == len(families)
    assert used == {child.nhs_number for child in children}
