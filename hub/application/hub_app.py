"""The hub application: agency facts in, chronologies out, exactly once per Kafka position.

``ingest()`` applies a batch of facts from one topic partition and records the
partition position in the same transaction (an eventsourcing tracking record),
so a batch is either wholly applied with its position or not at all. Agency
event ids make a second delivery of the same record harmless even at a new
position (a re-sent file).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from uuid import UUID

from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import (
    JSONTranscoder,
    ProcessRecorder,
    Recording,
    Tracking,
    Transcoder,
)

from hub.application.born_together import check_born_together
from hub.application.facts import AgencyFact, SubjectRef
from hub.application.households import HOUSEHOLD_LOOKBACK as HOUSEHOLD_LOOKBACK
from hub.application.households import fan_out, join_household
from hub.application.identity_decisions import IdentityDecisions
from hub.application.messages import FactDecoder as FactDecoder
from hub.application.messages import InboundMessage as InboundMessage
from hub.application.messages import IngestReport as IngestReport
from hub.application.messages import find_child as find_child
from hub.application.messages import tracking_name as tracking_name
from hub.application.reading import Reading
from hub.application.resolver import Resolution, identifier_index, resolve
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.identity import Outcome, nearby_birth_dates
from hub.domain.indexes import BirthDateIndex, IdentifierIndex, IndexIds
from hub.domain.resolution import QUEUE_ID, ResolutionCase, ResolutionQueue
from hub.eventstore.transcodings import (
    ChronologyEntryAsDict,
    FastJSONTranscoder,
    SetAsSortedList,
)


class HubApplication(IdentityDecisions, Reading, Application[UUID]):
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

    def _unit_of_work(self) -> UnitOfWork:
        """A unit of work on this application's store (the mixins' way to open one)."""
        return UnitOfWork(self)

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
            report.fanned_out += fan_out(uow, self.ids, fact, reached)
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
        elif fact.replaces is not None:
            child.record_correction(entry.resolved(via, details), fact.replaces)
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
            join_household(uow, self.ids, child, reference, as_of)

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
