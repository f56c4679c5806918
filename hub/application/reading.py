"""Reading the hub's store: children by id or identifier, birth-date candidates, schools.

A mixin of ``HubApplication``; the schools' directory (reference data) is loaded
here too, as it is read far more than written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import Tracking

from hub.application.messages import find_child
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.directory import School
from hub.domain.errors import ChildNotFoundError
from hub.domain.identity import Candidate
from hub.domain.indexes import BirthDateIndex, IdentifierIndex, IndexIds
from hub.domain.resolution import QUEUE_ID, ResolutionQueue


class ReadingHost(Protocol):
    """What reading needs of the application it is mixed into."""

    ids: IndexIds

    @property
    def repository(self) -> Any: ...

    @property
    def recorder(self) -> Any: ...

    def _save(self, uow: UnitOfWork, tracking: Tracking | None) -> None: ...

    def _unit_of_work(self) -> UnitOfWork: ...

    def get_child(self, child_id: UUID) -> Child: ...

    def _linked_child_id(self, key: str) -> UUID | None: ...


class Reading:
    """Children, candidates and schools read from the store (see the module docstring)."""

    def load_schools(self: ReadingHost, rows: list[dict[str, str]]) -> int:
        """Create or update schools from directory rows (urn, name, dsl_name, dsl_email, ...)."""
        uow = self._unit_of_work()
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

    def school(self: ReadingHost, urn: str) -> School | None:
        try:
            found: School = self.repository.get(self.ids.school(urn))
        except AggregateNotFoundError:
            return None
        return found

    def get_child(self: ReadingHost, child_id: UUID) -> Child:
        try:
            child: Child = self.repository.get(child_id)
        except AggregateNotFoundError:
            raise ChildNotFoundError(str(child_id)) from None
        return child

    def find_child(self: ReadingHost, key: str) -> Child:
        """A child by identifier key (``nhs/...``, ``upn/...``) or by hub child id."""
        return find_child(key, self.get_child, self._linked_child_id)

    def _linked_child_id(self: ReadingHost, key: str) -> UUID | None:
        try:
            index: IdentifierIndex = self.repository.get(self.ids.identifier(key))
        except AggregateNotFoundError:
            return None
        return index.child_id

    def birth_date_candidates(self: ReadingHost, date_of_birth: str) -> list[Candidate]:
        """Every child known with this date of birth, for demographic matching."""
        try:
            bucket: BirthDateIndex = self.repository.get(self.ids.birth_date(date_of_birth))
        except AggregateNotFoundError:
            return []
        return bucket.candidates()

    def all_child_ids(self: ReadingHost) -> Iterator[UUID]:
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

    def open_cases_ids(self: ReadingHost) -> list[str]:
        try:
            queue: ResolutionQueue = self.repository.get(QUEUE_ID)
        except AggregateNotFoundError:
            return []
        return list(queue.open_cases)
