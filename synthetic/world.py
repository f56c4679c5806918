"""Build the whole synthetic world for a run: population, schools, statuses, cohort, moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from synthetic.activity.moves import plan_moves
from synthetic.cohort import select_at_risk
from synthetic.config import GeneratorConfig
from synthetic.hard_cases import assign_quirks
from synthetic.model import Child, Household, School
from synthetic.population import build_population
from synthetic.rng import stream
from synthetic.schools import Schools, build_schools
from synthetic.statuses import assign_statuses


@dataclass(slots=True)
class World:
    config: GeneratorConfig
    households: list[Household]
    household_by_id: dict[str, Household]
    children: list[Child]
    by_id: dict[str, Child]
    schools: Schools
    at_risk: list[Household]

    def household_of(self, child: Child) -> Household:
        """The household ``child`` lives in."""
        return self.household_by_id[child.household_id]

    def pupils_on(self, day: date) -> list[tuple[Child, School]]:
        """Every pupil on a roll on ``day``, with their school, in roll order."""
        result: list[tuple[Child, School]] = []
        for child in self.children:
            urn = child.school_on(day)
            if urn is not None:
                result.append((child, self.schools.by_urn[urn]))
        return result


def build_world(config: GeneratorConfig) -> World:
    """Everything that exists before any agency records anything."""
    population = build_population(
        config.children,
        config.start_date,
        stream(config.seed, "population"),
        config.hard_cases,
        stream(config.seed, "hard-cases") if config.hard_cases > 0 else None,
    )
    households = population.households
    household_by_id = {household.household_id: household for household in households}
    by_id = {child.child_id: child for child in population.children}
    schools = build_schools(
        population.children, household_by_id, config.start_date, stream(config.seed, "schools")
    )
    assign_statuses(households, by_id, config.start_date, stream(config.seed, "statuses"))
    at_risk = select_at_risk(households, by_id, stream(config.seed, "cohort"))
    assign_quirks(population.children, config.hard_cases, stream(config.seed, "hard-case-people"))
    world = World(config, households, household_by_id, population.children, by_id, schools, at_risk)
    plan_moves(world, population.addresses, stream(config.seed, "moves"))
    return world
