"""Synthetic national and local identifiers: NHS number, UPN, UPRN, postcode.

NHS numbers are drawn from the 999 range, which is not issued to real patients. UPRNs are
12 digits starting with 9; postcodes use outward codes of areas that do not exist.
"""

from __future__ import annotations

import random

# DfE check-letter alphabet for unique pupil numbers: 23 letters, I, O and S omitted.
UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
# Letters used in the inward part of a postcode (C, I, K, M, O and V are never used).
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def nhs_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None if the number cannot be issued."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def is_valid_nhs_number(value: str) -> bool:
    """True if ``value`` is ten digits whose last digit is the modulus-11 check digit."""
    if len(value) != 10 or not value.isdigit():
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def new_nhs_number(rng: random.Random, used: set[str]) -> str:
    """A fresh valid NHS number in the synthetic 999 range, not in ``used`` (then added)."""
    while True:
        first_nine = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(first_nine)
        if check is None:
            continue
        number = f"{first_nine}{check}"
        if number not in used:
            used.add(number)
            return number


def upn_check_letter(digits: str) -> str:
    """The DfE check letter for the 12 digits of a UPN (weights 2..13, modulus 23)."""
    total = sum(int(digit) * weight for digit, weight in zip(digits, range(2, 14), strict=True))
    return UPN_CHECK_LETTERS[total % 23]


def make_upn(la_code: str, establishment: str, year: int, serial: int) -> str:
    """A UPN: check letter, LA code (3), establishment (4), year allocated (2), serial (3)."""
    digits = f"{la_code}{establishment}{year % 100:02d}{serial:03d}"
    return upn_check_letter(digits) + digits


def is_valid_upn(value: str) -> bool:
    """True if ``value`` is a check letter followed by 12 digits and the letter is correct."""
    if len(value) != 13 or not value[1:].isdigit():
        return False
    return upn_check_letter(value[1:]) == value[0]


def new_uprn(rng: random.Random, used: set[str]) -> str:
    """A fresh 12-digit UPRN starting with 9, not in ``used`` (then added)."""
    while True:
        uprn = str(rng.randrange(900_000_000_000, 1_000_000_000_000))
        if uprn not in used:
            used.add(uprn)
            return uprn


def new_postcode(rng: random.Random, outward: str, used: set[str]) -> str:
    """A fresh postcode in the ``outward`` district, shaped like ``NX3 4AB``."""
    while True:
        inward = f"{rng.randrange(10)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
        postcode = f"{outward} {inward}"
        if postcode not in used:
            used.add(postcode)
            return postcode
