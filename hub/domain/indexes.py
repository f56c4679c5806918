"""Lookup aggregates with ids derived from their key, so retries never create duplicates.

- ``IdentifierIndex``: one per identifier (``nhs/<n>``, ``upn/<u>``, ``local/<agency>/<org>/<id>``)
  pointing at the child it identifies.
- ``BirthDateIndex``: one per date of birth, listing the children born that day with the
  demographics needed to score a match.
- ``Household``: one per dwelling (UPRN), listing the children who live there (P3, F2).

Their ids are a keyed hash (HMAC-SHA256) of the key, not a plain ``uuid5``: ids are
stored in clear beside the encrypted payloads, and an unkeyed hash of an NHS number
could be found by trying every NHS number. ``IndexIds`` holds the secret (the
bootstrap derives it from the event-store key); each aggregate is created with
the id it computes.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from hub.domain.identity import Candidate, Demographics, postcode_key

# For in-memory stores in tests only; a real store's secret comes from its key.
DEVELOPMENT_SECRET = b"hub-index-ids-development-only"


class IndexIds:
    """Keyed ids of the lookup aggregates of one store."""

    def __init__(self, secret: bytes = DEVELOPMENT_SECRET) -> None:
        self._secret = secret
        self.of = lru_cache(maxsize=1_000_000)(self._compute)

    def _compute(self, key: str) -> UUID:
        digest = hmac.new(self._secret, key.encode(), hashlib.sha256).digest()
        return UUID(bytes=digest[:16], version=4)

    def identifier(self, key: str) -> UUID:
        return self.of(f"identifier/{key}")

    def birth_date(self, date_of_birth: str) -> UUID:
        return self.of(f"dob/{date_of_birth}")

    def household(self, household_reference: str) -> UUID:
        return self.of(f"household/{household_reference}")

    def school(self, urn: str) -> UUID:
        return self.of(f"school/{urn}")


class IdentifierIndex(Aggregate):
    """Which child an identifier belongs to."""

    @staticmethod
    def create_id(aggregate_id: UUID, **_: Any) -> UUID:
        return aggregate_id

    @event("Created")
    def __init__(self, aggregate_id: UUID, key: str, child_id: UUID) -> None:
        self.key = key
        self.child_id: UUID | None = child_id

    def claim(self, child_id: UUID) -> None:
        self.trigger_event(self.Claimed, child_id=child_id)

    # Events ingestion records often are classes rather than ``@event`` methods, whose
    # argument handling cost about 30 us a call; topics and states are unchanged.

    class Claimed(Aggregate.Event):
        """The identifier now belongs to this child."""

        child_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, IdentifierIndex)
            aggregate.child_id = self.child_id

    @event("Released")
    def release(self, reason: str) -> None:
        self.child_id = None


class BirthDateIndex(Aggregate):
    """Children born on one date, with what is needed to score a demographic match."""

    @staticmethod
    def create_id(aggregate_id: UUID, **_: Any) -> UUID:
        return aggregate_id

    @event("Created")
    def __init__(self, aggregate_id: UUID, date_of_birth: str) -> None:
        self.date_of_birth = date_of_birth
        self.children: dict[str, dict[str, str | None]] = {}

    def note(self, child_id: UUID, demographics: Demographics) -> None:
        fields = {
            "given_name": demographics.given_name,
            "family_name": demographics.family_name,
            "postcode": demographics.postcode,
            "household_reference": demographics.household_reference,
            "nhs_number": demographics.nhs_number,
        }
        # Only when known: events stored before these were noted still match.
        if demographics.upn:
            fields["upn"] = demographics.upn
        if demographics.multiple_birth:
            fields["multiple_birth"] = "Y"
        if self.children.get(str(child_id)) != fields:
            self.trigger_event(self.ChildNoted, child_id=str(child_id), fields=fields)

    class ChildNoted(Aggregate.Event):
        """A child born on this date, or a change in what matching needs of them."""

        child_id: str
        fields: dict[str, str | None]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, BirthDateIndex)
            aggregate.children[self.child_id] = self.fields

    def candidates(self) -> list[Candidate]:
        return self._candidates(self.children.items())

    def others_at_home(self, child_id: UUID, demographics: Demographics) -> list[Candidate]:
        """Other children born this day whose postcode or household is the given child's."""
        homes = {demographics.household_reference, postcode_key(demographics.postcode)} - {None, ""}
        if not homes:
            return []
        me = str(child_id)
        return self._candidates(
            (other, fields)
            for other, fields in self.children.items()
            if other != me
            and (
                fields.get("household_reference") in homes
                or postcode_key(fields.get("postcode")) in homes
            )
        )

    def _candidates(self, children: Iterable[tuple[str, dict[str, str | None]]]) -> list[Candidate]:
        found = []
        for child_id, fields in children:
            known = {name: value for name, value in fields.items() if name != "multiple_birth"}
            demographics = Demographics(
                date_of_birth=self.date_of_birth,
                multiple_birth=fields.get("multiple_birth") == "Y",
                **known,
            )
            found.append(Candidate(UUID(child_id), demographics))
        return found


class Household(Aggregate):
    """The children living at one dwelling (UPRN)."""

    @staticmethod
    def create_id(aggregate_id: UUID, **_: Any) -> UUID:
        return aggregate_id

    @event("Created")
    def __init__(self, aggregate_id: UUID, household_reference: str) -> None:
        self.household_reference = household_reference
        self.members: list[str] = []
        self.incidents: list[dict[str, Any]] = []

    def add_member(self, child_id: UUID) -> bool:
        if str(child_id) in self.members:
            return False
        self.trigger_event(self.MemberAdded, child_id=str(child_id))
        return True

    class MemberAdded(Aggregate.Event):
        """A child joined the household."""

        child_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Household)
            aggregate.members.append(self.child_id)

    def member_ids(self) -> list[UUID]:
        return [UUID(m) for m in self.members]

    def record_incident(self, entry: dict[str, Any]) -> None:
        """Remember a notification about the dwelling, for children the hub learns of later."""
        if all(known["event_id"] != entry["event_id"] for known in self.incidents):
            self._incident_recorded(entry=entry)

    @event("IncidentRecorded")
    def _incident_recorded(self, entry: dict[str, Any]) -> None:
        self.incidents.append(entry)

    def incidents_since(self, earliest: str) -> list[dict[str, Any]]:
        return [entry for entry in self.incidents if entry["occurred_at"] >= earliest]
