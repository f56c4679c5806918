"""Households moving house and pupils moving school during the period (at least one of each).

A household moves within its local authority; a primary pupil whose family moves town
changes school. UPNs stay with the pupil; the new school gives a new admission number.
"""

from __future__ import annotations

import random
from datetime import date
from typing import TYPE_CHECKING

from synthetic.model import AddressMove, Child, School, SchoolMove
from synthetic.places import TOWNS, AddressBook
from synthetic.rng import poisson

if TYPE_CHECKING:
    from synthetic.world import World

HOUSEHOLD_MOVES_PER_YEAR = 0.10
SCHOOL_MOVES_PER_YEAR = 0.03


def plan_moves(world: World, addresses: AddressBook, rng: random.Random) -> None:
    """Record address and school moves on the world's households and children."""
    config = world.config
    dates = config.dates
    movable = [household for household in world.households if household.template != "infant"]
    count = max(1, poisson(rng, len(movable) * HOUSEHOLD_MOVES_PER_YEAR / 365 * config.days))
    for household in rng.sample(movable, min(count, len(movable))):
        day = rng.choice(dates)
        same_la = [town for town in TOWNS if town.la_code == household.town.la_code]
        town = household.town if rng.random() < 0.7 else rng.choice(same_la)
        household.moves.append(AddressMove(day, addresses.new_address(town)))
        for child_id in household.member_ids:
            child = world.by_id[child_id]
            child.scenarios.append("moved-address")
            school = _current_school(world, child)
            if school is not None and school.phase == "primary" and town.index != school.town_index:
                _move_school(world, child, school, day, rng, town.index)
    pupils = [child for child in world.children if child.school_urn and not child.school_moves]
    count = max(1, poisson(rng, len(pupils) * SCHOOL_MOVES_PER_YEAR / 190 * config.days))
    for child in rng.sample(pupils, min(count, len(pupils))):
        school = _current_school(world, child)
        if school is not None:
            _move_school(world, child, school, rng.choice(dates), rng, None)


def _current_school(world: World, child: Child) -> School | None:
    return world.schools.by_urn[child.school_urn] if child.school_urn else None


def _move_school(
    world: World,
    child: Child,
    school: School,
    day: date,
    rng: random.Random,
    town_index: int | None,
) -> None:
    choices = [
        other
        for other in world.schools.in_phase(school.phase, school.la_code, town_index)
        if other.urn != school.urn
    ]
    if not choices:
        return
    new_school = rng.choice(choices)
    child.school_moves.append(SchoolMove(day, new_school.urn))
    child.scenarios.append("moved-school")
    world.schools.enrol(new_school, child, rng)
