"""What the A&E desk asks (an NHS number, or name, date of birth and postcode), and its checks.

A query that cannot be answered is refused with ``INVALID_ARGUMENT`` before
any child is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from hub.access.callers import CallRefused
from hub.domain.identifiers import nhs_number_is_valid, normalise_nhs_number

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


@dataclass(frozen=True)
class LookupQuery:
    """What the desk asks: an NHS number, or name, date of birth and postcode."""

    nhs_number: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    postcode: str = ""
    purpose: str = ""


def normalise_postcode(value: str) -> str:
    compact = " ".join(value.upper().split())
    found = _POSTCODE.match(compact)
    return f"{found.group(1)} {found.group(2)}" if found else compact


def check_query(query: LookupQuery) -> None:
    """Raise ``CallRefused`` (INVALID_ARGUMENT) for a query that cannot be answered."""
    if query.nhs_number:
        if not nhs_number_is_valid(normalise_nhs_number(query.nhs_number)):
            raise CallRefused("INVALID_ARGUMENT", "not a valid NHS number (check digit)")
        return
    missing = [
        name
        for name in ("given_name", "family_name", "date_of_birth", "postcode")
        if not getattr(query, name).strip()
    ]
    if missing:
        raise CallRefused(
            "INVALID_ARGUMENT",
            "give an NHS number, or all of name, date of birth and postcode; missing: "
            + ", ".join(missing),
        )
    try:
        date.fromisoformat(query.date_of_birth)
    except ValueError:
        raise CallRefused("INVALID_ARGUMENT", "date_of_birth must be an ISO date") from None
