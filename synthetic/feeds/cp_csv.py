"""Children's social care feed: CP plan and looked-after status events as a CSV export.

The LA's case system holds one record per child (its own reference, an allocated social
worker); it usually has the NHS number (CP-IS depends on it) and sometimes the UPN.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass

from hub.native_formats import CP_PLAN_COLUMNS
from synthetic import clock
from synthetic.activity.status_events import StatusEvent
from synthetic.feeds.identity import Habits, RecordedPerson, record_person
from synthetic.model import LocalAuthority
from synthetic.names import ADULTS, SURNAMES
from synthetic.places import local_authority
from synthetic.world import World

HABITS = Habits(misspell=0.02, dob_error=0.005, nhs_number=0.95)
UPN_KNOWN = 0.6
HEADER = list(CP_PLAN_COLUMNS)


@dataclass(frozen=True, slots=True)
class SocialWorker:
    name: str
    email: str
    team: str


@dataclass(frozen=True, slots=True)
class CaseRecord:
    child_reference: str
    person: RecordedPerson
    upn: str | None
    worker: SocialWorker


class CscFeed:
    """Writes status events as each LA's case system exports them."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.cases: dict[str, CaseRecord] = {}
        self.next_reference: dict[str, int] = {}
        self.workers: dict[str, list[SocialWorker]] = {}

    def csv(self, events: list[StatusEvent]) -> tuple[str, list[tuple[str, str]]]:
        """CSV text for ``events`` and (record reference, child id) for each row."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(HEADER)
        truth: list[tuple[str, str]] = []
        for event in events:
            child = self.world.by_id[event.child_id]
            address = self.world.household_of(child).address_on(event.event_date)
            la = local_authority(address.la_code)
            case = self._case(event.child_id, la)
            writer.writerow(
                (
                    la.code,
                    la.name,
                    case.child_reference,
                    case.person.nhs_number or "",
                    case.upn or "",
                    case.person.given_name,
                    case.person.family_name,
                    case.person.date_of_birth.isoformat(),
                    address.postcode,
                    address.uprn,
                    event.status_event,
                    event.event_date.isoformat(),
                    event.plan_category or "",
                    "Y" if event.looked_after else "N",
                    la.office_hours_phone,
                    la.out_of_hours_phone,
                    case.worker.name,
                    case.worker.email,
                    case.worker.team,
                    clock.iso(event.recorded_at),
                )
            )
            reference = f"{la.code}/{case.child_reference}/{event.status_event}/{event.event_date}"
            truth.append((reference, event.child_id))
        return buffer.getvalue(), truth

    def _case(self, child_id: str, la: LocalAuthority) -> CaseRecord:
        case = self.cases.get(child_id)
        if case is None:
            number = self.next_reference.setdefault(la.code, self.rng.randrange(100_000, 600_000))
            self.next_reference[la.code] = number + 1 + self.rng.randrange(20)
            child = self.world.by_id[child_id]
            person = record_person(child, HABITS, self.rng, self.world.config.start_date, "csc")
            upn = child.upn if self.rng.random() < UPN_KNOWN else None
            worker = self.rng.choice(self._workers(la))
            case = CaseRecord(f"{la.reference_prefix}{number:07d}", person, upn, worker)
            self.cases[child_id] = case
        return case

    def _workers(self, la: LocalAuthority) -> list[SocialWorker]:
        workers = self.workers.get(la.code)
        if workers is None:
            count = max(3, len(self.world.children) // 800)
            workers = []
            for k in range(count):
                given, family = self.rng.choice(ADULTS), self.rng.choice(SURNAMES)
                email = f"{given}.{family}{k + 1}@{la.email_domain}".lower()
                team = f"Child Protection Team {k % 3 + 1}"
                workers.append(SocialWorker(f"{given} {family}", email, team))
            self.workers[la.code] = workers
        return workers
