"""Reference data about organisations: schools and their designated safeguarding lead.

A child's record names the school (from the register); who the school's
designated safeguarding lead (DSL) is comes from this directory, looked up
when needed, so a change of DSL never leaves stale contacts on children.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class School(Aggregate):
    """A school, by URN, with its designated safeguarding lead."""

    @staticmethod
    def create_id(aggregate_id: UUID, **_: Any) -> UUID:
        return aggregate_id

    @event("Registered")
    def __init__(self, aggregate_id: UUID, urn: str, details: dict[str, str]) -> None:
        self.urn = urn
        self.details = dict(details)

    def update(self, details: dict[str, str]) -> bool:
        if details == self.details:
            return False
        self._updated(details=details)
        return True

    @event("DetailsChanged")
    def _updated(self, details: dict[str, str]) -> None:
        self.details = dict(details)

    @property
    def safeguarding_lead(self) -> dict[str, str]:
        return {
            "name": self.details.get("dsl_name", ""),
            "email": self.details.get("dsl_email", ""),
        }
