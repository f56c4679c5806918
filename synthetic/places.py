"""The invented area: two local authorities, their towns, streets, postcodes and GP practices.

Outward codes ``NX`` and ``EQ`` are not real postcode areas; phone numbers are in Ofcom's
range reserved for drama (01632 960xxx).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from synthetic.identifiers import new_postcode, new_uprn
from synthetic.model import Address, GpPractice, LocalAuthority, Town
from synthetic.names import STREET_STEMS, STREET_SUFFIXES

LOCAL_AUTHORITIES: tuple[LocalAuthority, ...] = (
    LocalAuthority(
        "991", "Northshire", "01632 960101", "01632 960199", "NS", "csc-991.example.org.uk"
    ),
    LocalAuthority(
        "992", "Eastbrook", "01632 960201", "01632 960299", "EB", "csc-992.example.org.uk"
    ),
)

TOWNS: tuple[Town, ...] = (
    Town(0, "Ashbury", "991", ("NX1", "NX2")),
    Town(1, "Kelsworth", "991", ("NX3", "NX4")),
    Town(2, "Marden", "991", ("NX5",)),
    Town(3, "Eastbrook", "992", ("EQ1", "EQ2")),
    Town(4, "Fenwick Moor", "992", ("EQ3",)),
    Town(5, "Holmbridge", "992", ("EQ4",)),
)

# Share of the population living in each town, in TOWNS order.
TOWN_WEIGHTS: tuple[float, ...] = (0.25, 0.15, 0.10, 0.25, 0.15, 0.10)

HOUSES_PER_POSTCODE = 12
HOUSES_PER_STREET = 60


def local_authority(code: str) -> LocalAuthority:
    """The local authority with ``code``."""
    return next(la for la in LOCAL_AUTHORITIES if la.code == code)


@dataclass(slots=True)
class _Street:
    name: str
    outward: str
    flats: bool
    next_number: int = 1
    postcodes: list[str] = field(default_factory=list)


class AddressBook:
    """Hands out new, unique dwellings (UPRN, line, postcode) in each town."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        # Streets that still have room for another dwelling, by town.
        self._streets: dict[int, list[_Street]] = {town.index: [] for town in TOWNS}
        self._names: dict[int, set[str]] = {town.index: set() for town in TOWNS}
        self.used_uprns: set[str] = set()
        self._used_postcodes: set[str] = set()

    def new_address(self, town: Town) -> Address:
        """A dwelling nobody has been given yet, in ``town``."""
        street = self._street_with_room(town)
        number = street.next_number
        street.next_number += 1 if street.flats else self._rng.choice((1, 2))
        block = 0 if street.flats else (number - 1) // HOUSES_PER_POSTCODE
        while len(street.postcodes) <= block:
            street.postcodes.append(new_postcode(self._rng, street.outward, self._used_postcodes))
        line1 = f"Flat {number} {street.name}" if street.flats else f"{number} {street.name}"
        uprn = new_uprn(self._rng, self.used_uprns)
        return Address(uprn, line1, town.name, street.postcodes[block], town.la_code)

    def _street_with_room(self, town: Town) -> _Street:
        open_streets = self._streets[town.index]
        if open_streets and self._rng.random() < 0.9:
            street = self._rng.choice(open_streets)
        else:
            street = self._new_street(town)
        if street.next_number >= (24 if street.flats else HOUSES_PER_STREET):
            open_streets.remove(street)  # this is its last dwelling
        return street

    def _new_street(self, town: Town) -> _Street:
        flats = self._rng.random() < 0.15
        names = self._names[town.index]
        attempt = 0
        while True:
            stem = self._rng.choice(STREET_STEMS)
            suffix = self._rng.choice(("House", "Court", "Heights")) if flats else None
            name = f"{stem} {suffix or self._rng.choice(STREET_SUFFIXES)}"
            if attempt > 100:  # a big town has used the plain names: "Upper Mill Lane"
                name = f"{self._rng.choice(('Upper', 'Lower', 'New', 'Old', 'Little'))} {name}"
            attempt += 1
            if name not in names:
                names.add(name)
                break
        street = _Street(name, self._rng.choice(town.outwards), flats)
        self._streets[town.index].append(street)
        return street


def gp_practices(rng: random.Random) -> dict[int, list[GpPractice]]:
    """Two or three GP practices in each town, keyed by town index."""
    practices: dict[int, list[GpPractice]] = {}
    for town in TOWNS:
        count = rng.choice((2, 3))
        practices[town.index] = [
            GpPractice(
                f"Z{(town.index + 1) * 100 + k:05d}",
                rng.choice(
                    (
                        f"{rng.choice(STREET_STEMS)} Surgery",
                        f"{town.name} Medical Centre",
                        f"{rng.choice(STREET_STEMS)} Lane Health Centre",
                        f"{rng.choice(STREET_STEMS)} Family Practice",
                    )
                ),
            )
            for k in range(count)
        ]
    return practices
