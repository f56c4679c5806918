"""The hub application: agency facts in, chronologies out, exactly once per Kafka position.

``ingest()`` applies a batch of facts from one topic partition and records the
partition position in the same transaction (an eventsourcing tracking record),
so a batch is either wholly applied with its position or not at all. Agency
event ids make a second delivery of the same record harmless even at a new
position (a re-sent file).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import (
    JSONTranscoder,
    ProcessRecorder,
    Recording,
    Tracking,
    Transcoder,
)

from hub.application.born_together import check_born_together, settle_doubts
from hub.application.facts import AgencyFact, SubjectRef
from hub.application.resolver import Resolution, identifier_index, resolve
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.directory import School
from hub.domain.errors import CaseNotFoundError, ChildNotFoundError, IdentifierNotLinkedError
from hub.domain.identity import Candidate, Outcome, nearby_birth_dates
from hub.domain.indexes import BirthDateIndex, Household, IdentifierIndex, IndexIds
from hub.domain.resolution import QUEUE_ID, ResolutionCase, ResolutionQueue
from hub.eventstore.transcodings import (
    ChronologyEntryAsDict,
    FastJSONTranscoder,
    SetAsSortedList,
)

FactDecoder = Callable[[bytes], AgencyFact]

# How far back a household's notifications reach a child newly known to live there.
HOUSEHOLD_LOOKBACK = timedelta(days=28)


@dataclass(frozen=True)
class InboundMessage:
    """A decoded agency event and where it was read from."""

    topic: str
    partition: int
    offset: int
    value: bytes
    fact: AgencyFact


@dataclass
class IngestReport:
    applied: int = 0
    duplicates: int = 0
    queued_for_review: int = 0
    new_children: int = 0
    fanned_out: int = 0
    touched_children: set[UUID] = field(default_factory=set)


def find_child(
    key: str,
    get_child: Callable[[UUID], Child],
    linked_child_id: Callable[[str], UUID | None],
) -> Child:
    """A child by hub child id, or by identifier key through ``linked_child_id``."""
    try:
        return get_child(UUID(key))
    except ValueError:
        pass
    child_id = linked_child_id(key)
    if child_id is None:
        raise ChildNotFoundError(key)
    return get_child(child_id)


def tracking_name(topic: str, partition: int) -> str:
    return f"{topic}#{partition}"


class HubApplication(Application[UUID]):
    """Event-sourced store of children, their chronologies, identities and households."""

    name = "SafeguardingHub"
    snapshotting_intervals = {Child: 100}  # noqa: RUF012 - eventsourcing reads it from the class
    # How a record's subject is resolved to a child (``hub bench identity`` swaps in a baseline).
    resolve_subject = staticmethod(resolve)

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        decode_fact: FactDecoder | None = None,
        index_ids: IndexIds | None = None,
    ) -> None:
        self.ids = index_ids or IndexIds()
        super().__init__(env)
        self._decode_fact = decode_fact
        self._known_absent: set[UUID] = set()

    def construct_transcoder(self) -> Transcoder:
        """The JSON format eventsourcing reads, written by orjson where the output is the same."""
        transcoder = FastJSONTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        """Snapshots store a child's state: its entries and its sets of ids must transcode."""
        super().register_transcodings(transcoder)
        transcoder.register(ChronologyEntryAsDict())
        transcoder.register(SetAsSortedList())

    def construct_recorder(self) -> ProcessRecorder:
        """A recorder that also stores tracking records (Kafka positions) atomically with events."""
        return self.factory.process_recorder()

    @property
    def tracking_recorder(self) -> ProcessRecorder:
        recorder = self.recorder
        if not isinstance(recorder, ProcessRecorder):
            raise TypeError("the hub's recorder must record tracking positions")
        return recorder

    # Ingestion ------------------------------------------------------------------------------

    def position(self, topic: str, partition: int) -> int | None:
        """Next offset to read for a partition, from the tracking records (None: never read)."""
        return self.tracking_recorder.max_tracking_id(tracking_name(topic, partition))

    def has_position(self, name: str, next_offset: int) -> bool:
        return self.tracking_recorder.has_tracking_id(name, next_offset)

    def ingest(self, messages: Sequence[InboundMessage], tracking: Tracking | None) -> IngestReport:
        """Apply messages and record ``tracking`` atomically; on error nothing is kept."""
        report = IngestReport()
        uow = UnitOfWork(self, self._known_absent)
        try:
            self._learn_absent(uow, messages)
            for message in messages:
                self._apply_fact(uow, message, report)
            self._save(uow, tracking)
        except BaseException:
            uow.discard()
            raise
        return report

    def _learn_absent(self, uow: UnitOfWork, messages: Sequence[InboundMessage]) -> None:
        """Find the batch's new identifiers, dates, households and children in two queries.

        Without this, each would cost its own pair of store queries when first looked up.
        """
        ids = self.ids
        keys: set[str] = set()
        dates: set[str] = set()
        households: set[str] = set()
        for message in messages:
            fact = message.fact
            for subject in fact.subjects:
                keys.update(subject.keys)
                demographics = subject.demographics
                if demographics.date_of_birth:
                    dates.add(demographics.date_of_birth)
                if demographics.household_reference:
                    households.add(demographics.household_reference)
            if fact.household_fanout:
                households.add(fact.household_fanout)
        # Each distinct key once: a batch names the same children many times, and hashing a
        # UUID runs Python code (docs/benchmarks.md).
        key_ids = {key: ids.identifier(key) for key in keys}
        index_ids = set(key_ids.values())
        index_ids.update(ids.birth_date(day) for day in dates)
        index_ids.update(ids.household(reference) for reference in households)
        uow.learn_absent(index_ids)
        absent = uow.absent_among(index_ids)
        absent_keys = {key for key, index_id in key_ids.items() if index_id in absent}
        # A subject none of whose identifiers is known is probably a new child, resolved on
        # demographics: the buckets of the dates its birth date may really be are read too
        # (hub.application.resolver), so ask about them in the same query.
        unknown_ids: set[UUID] = set()
        for message in messages:
            for subject in message.fact.subjects:
                if not absent_keys.issuperset(subject.keys):
                    continue
                if subject.keys:
                    unknown_ids.add(
                        Child.create_id(
                            first_event_id=message.fact.event_id, subject_index=subject.index
                        )
                    )
                born = subject.demographics.date_of_birth
                if born:
                    unknown_ids.update(ids.birth_date(day) for day in nearby_birth_dates(born))
        uow.learn_absent(unknown_ids)

    def _save(self, uow: UnitOfWork, tracking: Tracking | None) -> None:
        processing_event: ProcessingEvent[UUID] = ProcessingEvent(tracking=tracking)
        processing_event.collect_events(*uow.aggregates())
        self._record(processing_event)
        self._take_snapshots(processing_event)

    def _record(self, processing_event: ProcessingEvent[UUID]) -> list[Recording[UUID]]:
        """Insert the events with their tracking record; no ``Recording`` objects are built.

        Nothing in the hub subscribes to recordings (followers read the notification log),
        and building one per event cost about a tenth of a batch's time
        (docs/benchmarks.md). The aggregate cache is updated as eventsourcing does.
        """
        to_stored_event = self.mapper.to_stored_event
        self.recorder.insert_events(
            [to_stored_event(event) for event in processing_event.events],
            tracking=processing_event.tracking,
            **processing_event.saved_kwargs,
        )
        cache = self.repository.cache
        if cache and not self.repository.fastforward:
            for aggregate_id, aggregate in processing_event.aggregates.items():
                cache.put(aggregate_id, aggregate)
        return []

    def _apply_fact(self, uow: UnitOfWork, message: InboundMessage, report: IngestReport) -> None:
        fact = message.fact
        reached: set[UUID] = set()
        for subject in fact.subjects:
            resolution = self.resolve_subject(uow, self.ids, subject)
            if resolution.outcome is Outcome.REVIEW:
                self._open_case(uow, message, subject, resolution)
                report.queued_for_review += 1
                continue
            child = resolution.child
            if child is None:
                child = self._new_child(uow, fact, subject)
                report.new_children += 1
            if child.has_seen(fact.event_id):
                report.duplicates += 1
                reached.add(child.id)
                continue
            self._apply_to_child(
                uow, child, fact, subject, resolution.via or "new-child", "hub", ""
            )
            reached.add(child.id)
            report.applied += 1
        if fact.household_fanout:
            report.fanned_out += self._fan_out(uow, fact, reached)
        report.touched_children.update(reached)

    def _apply_to_child(
        self,
        uow: UnitOfWork,
        child: Child,
        fact: AgencyFact,
        subject: SubjectRef,
        via: str,
        by: str,
        reason: str,
    ) -> None:
        self._link_subject(uow, child, subject, via, by, reason, fact.occurred_at)
        entry = fact.entry
        if entry is None:  # evidence without an entry of its own (a present mark)
            self._apply_effects(child, fact)
            return
        details = {**entry.details, **subject.entry_details} if subject.entry_details else None
        # Effects first (plan, looked-after, professionals), so that whatever reads the
        # chronology as of this entry (alert rules) sees the child as the record left it.
        self._apply_effects(child, fact)
        if fact.withdrawal is not None:
            child.withdraw(fact.withdrawal)
        elif fact.update is not None:
            child.record_update(entry.resolved(via, details), fact.update)
        else:
            child.record_entry(entry.resolved(via, details))

    def _link_subject(
        self,
        uow: UnitOfWork,
        child: Child,
        subject: SubjectRef,
        via: str,
        by: str,
        reason: str,
        as_of: str,
    ) -> None:
        """The record's identifiers and details become the child's (never overwriting others')."""
        basis = (
            "manual" if by != "hub" else ("demographics" if via == "demographics" else "identifier")
        )
        changed = child.version == 1  # just registered: its details go into the indexes
        for key in subject.keys:
            if not child.has_identifier(key):  # the common case, an identifier already linked
                self._claim(uow, key, child, basis, by, reason)
                changed = True
        demographics = subject.demographics
        changed |= child.update_details(
            {
                "given_name": demographics.given_name,
                "family_name": demographics.family_name,
                "date_of_birth": demographics.date_of_birth,
                "postcode": demographics.postcode,
                "household_reference": demographics.household_reference,
                "multiple_birth": "Y" if demographics.multiple_birth else None,
            }
        )
        if changed and child.demographics.date_of_birth:
            bucket_id = self.ids.birth_date(child.demographics.date_of_birth)
            bucket = uow.get(BirthDateIndex, bucket_id) or uow.add(
                BirthDateIndex(
                    aggregate_id=bucket_id, date_of_birth=child.demographics.date_of_birth
                )
            )
            bucket.note(child.id, child.demographics)
            check_born_together(uow, bucket, child)
        reference = demographics.household_reference
        if reference and reference not in child.households:
            self._join_household(uow, child, reference, as_of)

    def _apply_effects(self, child: Child, fact: AgencyFact) -> None:
        change = fact.plan_change
        if change is not None:
            status = change.status_event
            if status in ("PLAN_STARTED", "UNBORN_PLAN_STARTED"):
                child.start_plan(
                    category=change.category,
                    start_date=change.event_date,
                    unborn=status == "UNBORN_PLAN_STARTED",
                    authority=change.authority,
                )
            elif status == "PLAN_REVIEWED":
                child.review_plan(category=change.category, review_date=change.event_date)
            elif status == "PLAN_ENDED":
                child.end_plan(end_date=change.event_date)
            if change.looked_after != child.looked_after:
                child.set_looked_after(
                    looked_after=change.looked_after,
                    effective_date=change.event_date,
                    authority=change.authority,
                )
        for role, contact in fact.professionals.items():
            child.involve(role, contact)
        roll = fact.roll
        if roll is not None:
            if roll.entry_date is not None:
                child.record_roll(
                    roll.school_urn,
                    roll.school_name,
                    roll.entry_date,
                    roll.leaving_date,
                    roll.status,
                )
            if roll.seen_on is not None:
                child.note_attendance(roll.school_urn, roll.school_name, roll.seen_on)

    def _claim(
        self, uow: UnitOfWork, key: str, child: Child, basis: str, by: str, reason: str
    ) -> None:
        index = identifier_index(uow, self.ids, key)
        if index is None:
            uow.add(
                IdentifierIndex(aggregate_id=self.ids.identifier(key), key=key, child_id=child.id)
            )
        elif index.child_id is None:
            index.claim(child.id)
        elif index.child_id != child.id:
            return  # already someone else's: never steal an identifier silently
        child.link_identifier(key, basis, by, reason)

    def _join_household(self, uow: UnitOfWork, child: Child, reference: str, as_of: str) -> None:
        household_id = self.ids.household(reference)
        household = uow.get(Household, household_id) or uow.add(
            Household(aggregate_id=household_id, household_reference=reference)
        )
        if not household.add_member(child.id):
            return
        child.join_household(reference)
        for member_id in household.member_ids():
            if member_id != child.id:
                member = uow.get(Child, member_id)
                if member is not None:
                    member.link_sibling(child.id)
                    child.link_sibling(member_id)
        # Agencies' records arrive in any order: a child the hub learns lives here gets the
        # household's recent notifications too, so nothing depends on which topic came first.
        earliest = (datetime.fromisoformat(as_of) - HOUSEHOLD_LOOKBACK).isoformat()
        for incident in household.incidents_since(earliest):
            child.record_entry(ChronologyEntry.from_dict(incident))

    def _fan_out(self, uow: UnitOfWork, fact: AgencyFact, reached: set[UUID]) -> int:
        """Every child of the household gets the entry once, named in it or not (P3)."""
        reference = fact.household_fanout
        if reference is None or fact.entry is None:
            return 0
        household_id = self.ids.household(reference)
        household = uow.get(Household, household_id) or uow.add(
            Household(aggregate_id=household_id, household_reference=reference)
        )
        incident = {
            **fact.entry.to_dict(),
            "details": {**fact.entry.details, "named_in_notification": False},
            "resolved_via": "household",
        }
        household.record_incident(incident)
        count = 0
        for member_id in household.member_ids():
            if member_id in reached:
                continue
            member = uow.get(Child, member_id)
            if member is None or member.has_seen(fact.event_id):
                continue
            member.record_entry(ChronologyEntry.from_dict(incident))
            reached.add(member_id)
            count += 1
        return count

    def _new_child(self, uow: UnitOfWork, fact: AgencyFact, subject: SubjectRef) -> Child:
        details = {
            "given_name": subject.demographics.given_name,
            "family_name": subject.demographics.family_name,
            "date_of_birth": subject.demographics.date_of_birth,
            "postcode": subject.demographics.postcode,
            "household_reference": subject.demographics.household_reference,
        }
        child_id = Child.create_id(first_event_id=fact.event_id, subject_index=subject.index)
        existing = uow.get(Child, child_id)
        if existing is not None:
            return existing
        return uow.add(
            Child(first_event_id=fact.event_id, subject_index=subject.index, details=details)
        )

    def _open_case(
        self, uow: UnitOfWork, message: InboundMessage, subject: SubjectRef, resolution: Resolution
    ) -> None:
        case_id = ResolutionCase.create_id(
            event_id=message.fact.event_id, subject_index=subject.index
        )
        if uow.get(ResolutionCase, case_id) is not None:
            return
        case = uow.add(
            ResolutionCase(
                event_id=message.fact.event_id,
                subject_index=subject.index,
                agency=message.fact.agency,
                reason=resolution.reason,
                candidates=[
                    {"child_id": str(c.child_id), "score": c.score, "strength": c.strength.value}
                    for c in resolution.candidates
                ],
                held_message={
                    "topic": message.topic,
                    "partition": message.partition,
                    "offset": message.offset,
                    "value": base64.b64encode(message.value).decode(),
                },
            )
        )
        queue = uow.get(ResolutionQueue, QUEUE_ID) or uow.add(ResolutionQueue())
        queue.add(case.id)

    # Manual identity resolution -------------------------------------------------------------

    def open_cases(self) -> list[ResolutionCase]:
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return [self.get_case(UUID(case_id)) for case_id in queue.open_cases]

    def get_case(self, case_id: UUID) -> ResolutionCase:
        try:
            case: ResolutionCase = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(str(case_id)) from None
        return case

    def link_case(self, case_id: UUID, child_id: UUID, by: str, reason: str) -> Child:
        """A person decided the held record is this child's: link it and release it."""
        uow = UnitOfWork(self)
        try:
            case = self._open_case_for_update(uow, case_id)
            child = uow.get(Child, child_id)
            if child is None:
                raise ChildNotFoundError(str(child_id))
            case.link(child_id, by, reason)
            self._release_case(uow, case, child, by, reason)
            self._save(uow, None)
        except BaseException:
            uow.discard()
            raise
        return child

    def new_child_for_case(self, case_id: UUID, by: str, reason: str) -> Child:
        """A person decided the held record is a child the hub does not yet know."""
        uow = UnitOfWork(self)
        try:
            case = self._open_case_for_update(uow, case_id)
            fact, subject = self._held_fact(case)
            child = self._new_child(uow, fact, subject)
            case.declare_new_child(child.id, by, reason)
            self._release_case(uow, case, child, by, reason)
            self._save(uow, None)
        except BaseException:
            uow.discard()
            raise
        return child

    def unlink_identifier(
        self, child_id: UUID, key: str, by: str, reason: str
    ) -> list[ChronologyEntry]:
        """Undo a wrong link: the identifier is released, entries that came through it withdrawn."""
        uow = UnitOfWork(self)
        try:
            child = uow.get(Child, child_id)
            if child is None:
                raise ChildNotFoundError(str(child_id))
            if key not in child.identifier_keys():
                raise IdentifierNotLinkedError(f"{key} is not linked to child {child_id}")
            index = identifier_index(uow, self.ids, key)
            if index is not None and index.child_id == child_id:
                index.release(reason)
            withdrawn = child.unlink_identifier(key, by, reason)
            settle_doubts(uow, child_id)
            self._save(uow, None)
        except BaseException:
            uow.discard()
            raise
        return withdrawn

    def doubted_children(self) -> list[Child]:
        """Children with links made on demographics alone that a person must check."""
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return [self.get_child(UUID(child_id)) for child_id in queue.doubted_children()]

    def settle_identity_doubts(self, child_id: UUID, by: str, reason: str) -> Child:
        """A person checked the child's doubted links and keeps those still linked."""
        uow = UnitOfWork(self)
        try:
            child = uow.get(Child, child_id)
            if child is None:
                raise ChildNotFoundError(str(child_id))
            child.settle_identity_doubts(by, reason)
            settle_doubts(uow, child_id)
            self._save(uow, None)
        except BaseException:
            uow.discard()
            raise
        return child

    def _open_case_for_update(self, uow: UnitOfWork, case_id: UUID) -> ResolutionCase:
        case = uow.get(ResolutionCase, case_id)
        if case is None:
            raise CaseNotFoundError(str(case_id))
        return case

    def _held_fact(self, case: ResolutionCase) -> tuple[AgencyFact, SubjectRef]:
        if self._decode_fact is None:
            raise RuntimeError("this hub application was built without a message decoder")
        fact = self._decode_fact(base64.b64decode(case.held_message["value"]))
        subject = next(s for s in fact.subjects if s.index == case.subject_index)
        return fact, subject

    def _release_case(
        self, uow: UnitOfWork, case: ResolutionCase, child: Child, by: str, reason: str
    ) -> None:
        fact, subject = self._held_fact(case)
        if child.has_seen(fact.event_id):
            # Already reached through the household fan-out: link the identity only.
            self._link_subject(uow, child, subject, "manual", by, reason, fact.occurred_at)
        else:
            self._apply_to_child(uow, child, fact, subject, "manual", by, reason)
        queue = uow.get(ResolutionQueue, QUEUE_ID)
        if queue is not None:
            queue.remove(case.id)

    # Reference data -------------------------------------------------------------------------

    def load_schools(self, rows: list[dict[str, str]]) -> int:
        """Create or update schools from directory rows (urn, name, dsl_name, dsl_email, ...)."""
        uow = UnitOfWork(self)
        changed = 0
        try:
            for row in rows:
                details = {k: v for k, v in row.items() if k != "urn"}
                school_id = self.ids.school(row["urn"])
                school = uow.get(School, school_id)
                if school is None:
                    uow.add(School(aggregate_id=school_id, urn=row["urn"], details=details))
                    changed += 1
                elif school.update(details):
                    changed += 1
            self._save(uow, None)
        except BaseException:
            uow.discard()
            raise
        return changed

    def school(self, urn: str) -> School | None:
        try:
            found: School = self.repository.get(self.ids.school(urn))
        except AggregateNotFoundError:
            return None
        return found

    # Reading --------------------------------------------------------------------------------

    def get_child(self, child_id: UUID) -> Child:
        try:
            child: Child = self.repository.get(child_id)
        except AggregateNotFoundError:
            raise ChildNotFoundError(str(child_id)) from None
        return child

    def find_child(self, key: str) -> Child:
        """A child by identifier key (``nhs/...``, ``upn/...``) or by hub child id."""
        return find_child(key, self.get_child, self._linked_child_id)

    def _linked_child_id(self, key: str) -> UUID | None:
        try:
            index: IdentifierIndex = self.repository.get(self.ids.identifier(key))
        except AggregateNotFoundError:
            return None
        return index.child_id

    def birth_date_candidates(self, date_of_birth: str) -> list[Candidate]:
        """Every child known with this date of birth, for demographic matching."""
        try:
            bucket: BirthDateIndex = self.repository.get(self.ids.birth_date(date_of_birth))
        except AggregateNotFoundError:
            return []
        return bucket.candidates()

    def all_child_ids(self) -> Iterator[UUID]:
        """Every child ever registered, in registration order (scans the notification log)."""
        topic = f"{Child.__module__}:{Child.__qualname__}.Registered"
        start = 1
        while True:
            page = self.recorder.select_notifications(start=start, limit=1000, topics=[topic])
            if not page:
                return
            for notification in page:
                originator = notification.originator_id
                yield originator if isinstance(originator, UUID) else UUID(originator)
            start = page[-1].id + 1

    def open_cases_ids(self) -> list[str]:
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return list(queue.open_cases)
