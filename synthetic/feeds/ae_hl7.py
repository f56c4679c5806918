"""A&E feed: HL7 v2.5.1 ADT A04 at registration and A03 at discharge, per site and visit.

Valid v2.5.1 (checked by hl7apy in strict mode in the tests): every TS carries its offset,
the GP practice code is in PD1-3's XON.10, PV1-36 is from table 0112, and our finer
disposition goes in ZSG-7 of our local ZSG segment.

Each site registers a child once (its MRN, its spelling of the name); the NHS number is in
about 90% of messages (a trace after registration sometimes adds it to the A03).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from adapters.emergency_care import record_reference
from adapters.hl7 import read_file
from adapters.hl7_tables import DISPOSITION_CODE
from synthetic import clock
from synthetic.activity.visits import Visit
from synthetic.feeds.identity import Habits, RecordedPerson, record_person
from synthetic.model import Child, Site
from synthetic.multiple_birth import recorded_multiple_birth
from synthetic.world import World

HABITS = Habits(misspell=0.06, dob_error=0.01, nhs_number=1.0)
NHS_AT_REGISTRATION = 0.88
NHS_TRACED_BY_DISCHARGE = 0.5
SEGMENT_END = "\r"


@dataclass(frozen=True, slots=True)
class Registration:
    mrn: str
    person: RecordedPerson
    sex: str


@dataclass(frozen=True, slots=True)
class Message:
    """One message; ``record_reference`` is the one the adapter gives it (with its digest)."""

    recorded_at: datetime
    text: str
    record_reference: str
    child_id: str
    trigger: str
    visit: tuple[str, str]  # (site code, visit number)


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


class AeFeed:
    """Turns visits into HL7 messages, keeping each site's patient index and counters."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.registrations: dict[tuple[str, str], Registration] = {}
        self.next_mrn: dict[str, int] = {}
        self.next_control: dict[str, int] = {}

    def messages(self, visits: list[Visit]) -> list[Message]:
        """The A04 and (when discharged in the period) A03 for every visit, in recorded order."""
        result: list[Message] = []
        for visit in visits:
            registration = self._registration(visit.site, visit.child_id)
            has_nhs = registration.person.nhs_number is not None
            nhs_a04 = has_nhs and self.rng.random() < NHS_AT_REGISTRATION
            nhs_a03 = nhs_a04 or (has_nhs and self.rng.random() < NHS_TRACED_BY_DISCHARGE)
            recorded = visit.arrival + timedelta(seconds=self.rng.randrange(60, 360))
            result.append(self._message(visit, registration, "A04", recorded, nhs_a04))
            if visit.discharge is not None:
                recorded = visit.discharge + timedelta(seconds=self.rng.randrange(30, 600))
                result.append(self._message(visit, registration, "A03", recorded, nhs_a03))
        result.sort(key=lambda message: (message.recorded_at, message.record_reference))
        return result

    def _registration(self, site: Site, child_id: str) -> Registration:
        key = (site.code, child_id)
        found = self.registrations.get(key)
        if found is None:
            number = self.next_mrn.setdefault(site.code, self.rng.randrange(1000, 90_000))
            self.next_mrn[site.code] = number + 1 + self.rng.randrange(3)
            child = self.world.by_id[child_id]
            person = record_person(child, HABITS, self.rng, self.world.config.start_date, "ae")
            sex = "U" if self.rng.random() < 0.005 else child.sex
            found = Registration(f"{site.code}-{number:06d}", person, sex)
            self.registrations[key] = found
        return found

    def _message(
        self, visit: Visit, registration: Registration, trigger: str, recorded: datetime, nhs: bool
    ) -> Message:
        site = visit.site
        child = self.world.by_id[visit.child_id]
        household = self.world.household_by_id[child.household_id]
        address = household.address_on(clock.local_date(visit.arrival))
        person = registration.person
        control = self.next_control.setdefault(site.code, self.rng.randrange(10_000, 500_000)) + 1
        self.next_control[site.code] = control
        identifiers = f"{registration.mrn}^^^{site.code}^MR"
        if nhs and person.nhs_number:
            identifiers = f"{person.nhs_number}^^^NHS^NH~{identifiers}"
        structure = "ADT_A01" if trigger == "A04" else "ADT_A03"
        discharged = trigger == "A03" and visit.discharge is not None
        pv1 = [""] * 46
        pv1[0], pv1[1], pv1[2] = "PV1", "1", "E"
        pv1[3] = f"{site.site_type}^^^{site.code}^^^^^{site.name}"
        pv1[19] = visit.visit_number
        pv1[44] = clock.hl7(visit.arrival)
        if discharged and visit.discharge is not None:
            pv1[36] = DISPOSITION_CODE[visit.disposition]
            pv1[45] = clock.hl7(visit.discharge)
        segments = [
            f"MSH|^~\\&|{site.system}|{site.code}|HUB|HUB|{clock.hl7(recorded)}||"
            f"ADT^{trigger}^{structure}|M{control:08d}|P|2.5.1",
            f"EVN|{trigger}|{clock.hl7(recorded)}",
            f"PID|1||{identifiers}||{person.family_name.upper()}^{person.given_name.upper()}||"
            f"{person.date_of_birth:%Y%m%d}|{registration.sex}|||"
            f"{address.line1}^^{address.town}^^{address.postcode}^GBR^H"
            + _multiple_birth_fields(self.world, child),
        ]
        if person.nhs_number is not None:
            practice = household.gp_practice
            segments.append(f"PD1|||{practice.name}^^^^^^^^^{practice.code}")
        segments.append("|".join(pv1).rstrip("|"))
        if discharged:
            flags = (visit.injury, visit.concern, visit.nai, visit.refused)
        else:
            flags = (visit.injury, visit.concern_at_arrival, False, False)
        zsg = f"ZSG|{visit.category}|" + "|".join(yn(flag) for flag in flags)
        if discharged:
            zsg += f"||{visit.disposition}"  # ZSG-6 (labels) empty, ZSG-7 the finer disposition
        segments.append(zsg)
        text = SEGMENT_END.join(segments) + SEGMENT_END
        reference = record_reference(read_file(text).messages[0])
        key = (site.code, visit.visit_number)
        return Message(recorded, text, reference, visit.child_id, trigger, key)


def _multiple_birth_fields(world: World, child: Child) -> str:
    """PID-24 and PID-25 after PID-11, when the registration holds a multiple birth."""
    multiple, order = recorded_multiple_birth(world, child)
    return "|" * 13 + f"Y|{order}" if multiple else ""
