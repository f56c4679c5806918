"""Identity decisions a person makes: the review queue, links, new children, unlinks, doubts.

A mixin of ``HubApplication``: each method opens its own unit of work on the hub's
store and saves it as ingestion does (``_save``), so a person's decision is recorded
with the same guarantees as an agency's record.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from hub.application.born_together import settle_doubts
from hub.application.facts import AgencyFact, SubjectRef
from hub.application.messages import FactDecoder
from hub.application.resolver import identifier_index
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import CaseNotFoundError, ChildNotFoundError, IdentifierNotLinkedError
from hub.domain.identity import Demographics
from hub.domain.indexes import IndexIds
from hub.domain.resolution import QUEUE_ID, ResolutionCase, ResolutionQueue


class IdentityHost(Protocol):
    """What the decisions need of the application they are mixed into."""

    ids: IndexIds
    _decode_fact: FactDecoder | None

    @property
    def repository(self) -> Any: ...

    def _save(self, uow: UnitOfWork, tracking: Tracking | None) -> None: ...

    def _unit_of_work(self) -> UnitOfWork: ...

    def _apply_to_child(
        self,
        uow: UnitOfWork,
        child: Child,
        fact: AgencyFact,
        subject: SubjectRef,
        via: str,
        by: str,
        reason: str,
    ) -> None: ...

    def _link_subject(
        self,
        uow: UnitOfWork,
        child: Child,
        subject: SubjectRef,
        via: str,
        by: str,
        reason: str,
        as_of: str,
    ) -> None: ...

    def _new_child(self, uow: UnitOfWork, fact: AgencyFact, subject: SubjectRef) -> Child: ...

    def get_child(self, child_id: UUID) -> Child: ...

    def get_case(self, case_id: UUID) -> ResolutionCase: ...

    def _open_case_for_update(self, uow: UnitOfWork, case_id: UUID) -> ResolutionCase: ...

    def _held_fact(self, case: ResolutionCase) -> tuple[AgencyFact, SubjectRef]: ...

    def _release_case(
        self, uow: UnitOfWork, case: ResolutionCase, child: Child, by: str, reason: str
    ) -> None: ...


class IdentityDecisions:
    """The review queue and a person's identity decisions (see the module docstring)."""

    def open_cases(self: IdentityHost) -> list[ResolutionCase]:
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return [self.get_case(UUID(case_id)) for case_id in queue.open_cases]

    def held_subject(self: IdentityHost, case: ResolutionCase) -> Demographics:
        """What the held record says about who the child is (for the person deciding)."""
        return self._held_fact(case)[1].demographics

    def get_case(self: IdentityHost, case_id: UUID) -> ResolutionCase:
        try:
            case: ResolutionCase = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFoundError(str(case_id)) from None
        return case

    def link_case(self: IdentityHost, case_id: UUID, child_id: UUID, by: str, reason: str) -> Child:
        """A person decided the held record is this child's: link it and release it."""
        uow = self._unit_of_work()
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

    def new_child_for_case(self: IdentityHost, case_id: UUID, by: str, reason: str) -> Child:
        """A person decided the held record is a child the hub does not yet know."""
        uow = self._unit_of_work()
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
        self: IdentityHost, child_id: UUID, key: str, by: str, reason: str
    ) -> list[ChronologyEntry]:
        """Undo a wrong link: the identifier is released, entries that came through it withdrawn."""
        uow = self._unit_of_work()
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

    def doubted_children(self: IdentityHost) -> list[Child]:
        """Children with links made on demographics alone that a person must check."""
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return [self.get_child(UUID(child_id)) for child_id in queue.doubted_children()]

    def settle_identity_doubts(self: IdentityHost, child_id: UUID, by: str, reason: str) -> Child:
        """A person checked the child's doubted links and keeps those still linked."""
        uow = self._unit_of_work()
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

    def _open_case_for_update(self: IdentityHost, uow: UnitOfWork, case_id: UUID) -> ResolutionCase:
        case = uow.get(ResolutionCase, case_id)
        if case is None:
            raise CaseNotFoundError(str(case_id))
        return case

    def _held_fact(self: IdentityHost, case: ResolutionCase) -> tuple[AgencyFact, SubjectRef]:
        if self._decode_fact is None:
            raise RuntimeError("this hub application was built without a message decoder")
        fact = self._decode_fact(base64.b64decode(case.held_message["value"]))
        subject = next(s for s in fact.subjects if s.index == case.subject_index)
        return fact, subject

    def _release_case(
        self: IdentityHost,
        uow: UnitOfWork,
        case: ResolutionCase,
        child: Child,
        by: str,
        reason: str,
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
