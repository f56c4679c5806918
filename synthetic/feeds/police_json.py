"""Police feed: one JSON export per day of domestic abuse notifications involving children.

The force keeps one person record per child (its own person reference and its spelling);
the NHS number is rarely known to the police.
"""

from __future__ import annotations

import json
import random
from datetime import date
from typing import Any

from synthetic import clock
from synthetic.activity.incidents import Incident
from synthetic.feeds.identity import Habits, RecordedPerson, record_person
from synthetic.world import World

FORCE = "NXP"
SYSTEM = "NICHE"
HABITS = Habits(misspell=0.10, dob_error=0.02, nhs_number=0.05)


class PoliceFeed:
    """Writes each day's export, numbering incidents and people as the force's system does."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.people: dict[str, tuple[str, RecordedPerson]] = {}
        self.next_person = rng.randrange(10_000, 400_000)
        self.next_incident = rng.randrange(100, 5_000)

    def document(
        self, day: date, incidents: list[Incident]
    ) -> tuple[str, list[tuple[str, list[str]]]]:
        """The export text for ``day`` and (incident reference, child ids) for each notification."""
        notifications: list[dict[str, Any]] = []
        truth: list[tuple[str, list[str]]] = []
        for incident in incidents:
            self.next_incident += 1
            incident_day = clock.local_date(incident.incident_time)
            reference = f"{FORCE}-{incident_day:%Y%m%d}-{self.next_incident:06d}"
            household = self.world.household_by_id[incident.household_id]
            address = household.address_on(day)
            notifications.append(
                {
                    "incident_reference": reference,
                    "incident_time": clock.iso(incident.incident_time),
                    "recorded_time": clock.iso(incident.recorded_time),
                    "location": {
                        "uprn": address.uprn,
                        "address": f"{address.line1}, {address.town}",
                        "postcode": address.postcode,
                    },
                    "risk_level": incident.risk_level,
                    "perpetrator_relation": incident.perpetrator_relation,
                    "children": [
                        self._child(c.child_id, c.present, c.resident, c.voice)
                        for c in incident.children
                    ],
                }
            )
            truth.append((reference, [c.child_id for c in incident.children]))
        document = {
            "force": FORCE,
            "system": SYSTEM,
            "exported_at": clock.iso(clock.local(day, 23 * 60 + 59)),
            "notifications": notifications,
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n", truth

    def _child(
        self, child_id: str, present: bool, resident: bool, voice: str | None
    ) -> dict[str, Any]:
        known = self.people.get(child_id)
        if known is None:
            self.next_person += 1 + self.rng.randrange(5)
            person = record_person(
                self.world.by_id[child_id],
                HABITS,
                self.rng,
                self.world.config.start_date,
                "police",
            )
            known = (f"{FORCE}-P-{self.next_person:06d}", person)
            self.people[child_id] = known
        reference, person = known
        return {
            "person_reference": reference,
            "nhs_number": person.nhs_number,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "date_of_birth": person.date_of_birth.isoformat(),
            "present": present,
            "resident": resident,
            "voice": voice,
        }
