"""Unscheduled-care sites: emergency departments, a minor injury unit and a walk-in centre."""

from __future__ import annotations

from synthetic.model import Site

SITES: tuple[Site, ...] = (
    Site("RZB01", "ED", "Ashbury Royal Infirmary ED", "SYMPHONY", 0),
    Site("RZA01", "ED", "Kelsworth General Hospital ED", "EDIS", 1),
    Site("RZC01", "ED", "Eastbrook District Hospital ED", "FIRSTNET", 3),
    Site("RZD01", "ED", "St Cuthbert's Children's Hospital ED", "FIRSTNET", -1),
    Site("RZA02", "MIU", "Marden Minor Injury Unit", "EDIS", 2),
    Site("RZB02", "WIC", "Ashbury Walk-in Centre", "SYMPHONY", 0),
)

# The emergency department that serves each town (by town index).
LOCAL_ED: dict[int, str] = {0: "RZB01", 1: "RZA01", 2: "RZA01", 3: "RZC01", 4: "RZC01", 5: "RZC01"}


def site(code: str) -> Site:
    """The site with ``code``."""
    return next(candidate for candidate in SITES if candidate.code == code)


def local_ed(town_index: int) -> Site:
    """The emergency department nearest to the town."""
    return site(LOCAL_ED[town_index])


def other_sites(code: str) -> list[Site]:
    """Every site except ``code``: where a carer goes to avoid being recognised."""
    return [candidate for candidate in SITES if candidate.code != code]
