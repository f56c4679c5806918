"""Synthetic identifiers: NHS numbers, UPNs, UPRNs and postcodes have the right shape and checks."""

from __future__ import annotations

import random
import re

from synthetic.identifiers import (
    is_valid_nhs_number,
    is_valid_upn,
    make_upn,
    new_nhs_number,
    new_postcode,
    new_uprn,
    nhs_check_digit,
    upn_check_letter,
)
from synthetic.misspell import misspell


def test_nhs_check_digit_matches_the_published_example() -> None:
    """943 476 591 has check digit 9 (the NHS Digital worked example)."""
    assert nhs_check_digit("943476591") == 9


def test_nhs_check_digit_of_ten_means_the_number_cannot_be_issued() -> None:
    """Nine digits whose remainder gives 10 have no check digit."""
    first_nine = next(
        f"999{n:06d}" for n in range(1_000_000) if nhs_check_digit(f"999{n:06d}") is None
    )
    assert None is nhs_check_digit(first_nine)


def test_generated_nhs_numbers_are_valid_unique_and_in_the_999_range() -> None:
    """A thousand fresh NHS numbers all pass modulus 11, start 999 and never repeat."""
    rng, used = random.Random(7), set[str]()
    numbers = [new_nhs_number(rng, used) for _ in range(1000)]
    assert (
        len(set(numbers)),
        all(is_valid_nhs_number(n) for n in numbers),
        all(n.startswith("999") for n in numbers),
    ) == (1000, True, True)


def test_nhs_number_with_a_wrong_check_digit_is_invalid() -> None:
    """Changing the last digit of a valid number makes it fail the check."""
    assert False is is_valid_nhs_number("9434765918")


def test_upn_check_letter_round_trips() -> None:
    """A made UPN is 13 characters and passes the DfE check-letter rule."""
    upn = make_upn("991", "2345", 2019, 42)
    assert (len(upn), is_valid_upn(upn)) == (13, True)


def test_upn_check_letter_uses_the_dfe_alphabet() -> None:
    """Digits weighted 2..13 summing to 0 mod 23 give A; the alphabet omits I, O and S."""
    assert upn_check_letter("000000000000") == "A"


def test_uprns_are_twelve_digit_and_unique() -> None:
    """UPRNs are 12 digits and distinct."""
    rng, used = random.Random(3), set[str]()
    uprns = [new_uprn(rng, used) for _ in range(500)]
    assert (len(set(uprns)), all(re.fullmatch(r"9\d{11}", u) for u in uprns)) == (500, True)


def test_postcodes_have_the_uk_shape() -> None:
    """Postcodes look like ``NX3 4AB``."""
    rng, used = random.Random(5), set[str]()
    postcodes = [new_postcode(rng, "NX3", used) for _ in range(100)]
    assert [p for p in postcodes if not re.fullmatch(r"NX3 \d[A-Z]{2}", p)] == []


def test_misspelling_always_changes_the_name() -> None:
    """Every misspelling differs from the name it came from."""
    rng = random.Random(11)
    names = ["Jayden", "Mohammed", "Smith", "Li", "Eva", "Okafor"] * 50
    assert [name for name in names if misspell(name, rng) == name] == []
