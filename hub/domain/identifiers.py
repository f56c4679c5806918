"""Checks for the national identifiers agencies send: NHS number and unique pupil number."""

from __future__ import annotations

import re

_NHS_DIGITS = re.compile(r"^[0-9]{10}$")
# DfE check-letter alphabet: 23 letters, I, O and S omitted.
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN = re.compile(rf"^[{_UPN_CHECK_LETTERS}][0-9]{{12}}$")


def normalise_nhs_number(value: str) -> str:
    """Strip the spaces and hyphens people type into NHS numbers ("943 476 5919")."""
    return value.replace(" ", "").replace("-", "")


def nhs_number_is_valid(value: str) -> bool:
    """True if ``value`` is ten digits, the last being the modulus-11 check digit."""
    if not _NHS_DIGITS.match(value):
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:9], range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        check = 0
    if check == 10:
        return False
    return check == int(value[9])


def upn_is_valid(value: str) -> bool:
    """True if ``value`` is a unique pupil number: a correct check letter, then 12 digits."""
    if not _UPN.match(value):
        return False
    total = sum(int(digit) * weight for digit, weight in zip(value[1:], range(2, 14), strict=True))
    return _UPN_CHECK_LETTERS[total % 23] == value[0]
