"""Manual identity resolution: records the hub would not link on a guess wait here for a person.

A ``ResolutionCase`` holds one subject of one agency event, the candidates it
was scored against, and, once a person decides, which child it belongs to (or
that it is a new child) with who decided and why. The ``ResolutionQueue``
lists the open cases, and the children whose links made on demographics alone a
person must check since a child born with them became known (``Child.identity_doubts``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hub.domain.errors import CaseAlreadyResolvedError

CASE_NAMESPACE = UUID("0c9d8e7f-6a5b-5c4d-8e3f-2a1b0c9d8e7f")
QUEUE_ID = uuid5(CASE_NAMESPACE, "identity-resolution-queue")


class ResolutionCase(Aggregate):
    """One record waiting for a person to say whose it is."""

    @staticmethod
    def create_id(event_id: str, subject_index: int, **_: Any) -> UUID:
        return uuid5(CASE_NAMESPACE, f"case/{event_id}/{subject_index}")

    @event("Opened")
    def __init__(
        self,
        event_id: str,
        subject_index: int,
        agency: str,
        reason: str,
        candidates: list[dict[str, Any]],
        held_message: dict[str, Any],
    ) -> None:
        self.event_id = event_id
        self.subject_index = subject_index
        self.agency = agency
        self.reason = reason
        self.candidates = candidates
        self.held_message = held_message
        self.status = "open"
        self.resolution: dict[str, Any] | None = None

    def _check_open(self) -> None:
        if self.status != "open":
            raise CaseAlreadyResolvedError(str(self.id))

    def link(self, child_id: UUID, by: str, reason: str) -> None:
        self._check_open()
        self._linked(child_id=str(child_id), by=by, reason=reason)

    @event("Linked")
    def _linked(self, child_id: str, by: str, reason: str) -> None:
        self.status = "linked"
        self.resolution = {"child_id": child_id, "by": by, "reason": reason}

    def declare_new_child(self, child_id: UUID, by: str, reason: str) -> None:
        self._check_open()
        self._declared_new(child_id=str(child_id), by=by, reason=reason)

    @event("DeclaredNewChild")
    def _declared_new(self, child_id: str, by: str, reason: str) -> None:
        self.status = "new-child"
        self.resolution = {"child_id": child_id, "by": by, "reason": reason}


class ResolutionQueue(Aggregate):
    """The open resolution cases, oldest first."""

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return QUEUE_ID

    @event("Created")
    def __init__(self) -> None:
        self.open_cases: list[str] = []

    def add(self, case_id: UUID) -> None:
        if str(case_id) not in self.open_cases:
            self._added(case_id=str(case_id))

    @event("CaseAdded")
    def _added(self, case_id: str) -> None:
        self.open_cases.append(case_id)

    def remove(self, case_id: UUID) -> None:
        if str(case_id) in self.open_cases:
            self._removed(case_id=str(case_id))

    @event("CaseRemoved")
    def _removed(self, case_id: str) -> None:
        self.open_cases.remove(case_id)

    # Children whose links made on demographics alone a person must check ---------------------

    def doubted_children(self) -> list[str]:
        """Children with open identity doubts, oldest first (absent from older snapshots)."""
        found: list[str] = self.__dict__.setdefault("doubted", [])
        return found

    def add_doubt(self, child_id: UUID) -> None:
        if str(child_id) not in self.doubted_children():
            self._doubt_added(child_id=str(child_id))

    @event("DoubtAdded")
    def _doubt_added(self, child_id: str) -> None:
        self.doubted_children().append(child_id)

    def remove_doubt(self, child_id: UUID) -> None:
        if str(child_id) in self.doubted_children():
            self._doubt_removed(child_id=str(child_id))

    @event("DoubtRemoved")
    def _doubt_removed(self, child_id: str) -> None:
        self.doubted_children().remove(child_id)
