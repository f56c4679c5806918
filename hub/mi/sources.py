"""What the reports read: each child's active entries, the alerts, the identity cases.

Read once per report from the stores (the event store and the alert store), never from
logs. Each child brings the values reports group by: postcode district, the lead social
worker's team, the school. Identity cases come with the times the hub recorded them
opened and decided (their events' timestamps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from hub.alerts.store import Alert, AlertStore
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.resolution import ResolutionCase

UNKNOWN = "unknown"
UNALLOCATED = "unallocated"
_CASE = f"{ResolutionCase.__module__}:{ResolutionCase.__qualname__}"
CASE_TOPICS = (f"{_CASE}.Opened", f"{_CASE}.Linked", f"{_CASE}.DeclaredNewChild")


@dataclass(frozen=True)
class MiChild:
    """One child as the reports see it: no name, no identifier but the hub's id."""

    child_id: str
    district: str
    team: str
    school: str
    entries: tuple[ChronologyEntry, ...]


@dataclass
class IdentityCase:
    """A record put to a person: when it was queued, and when and how it was decided."""

    case_id: str
    agency: str
    opened_at: datetime
    decided_at: datetime | None = None
    outcome: str | None = None  # "linked" or "new-child"


@dataclass
class Sources:
    children: list[MiChild] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    cases: list[IdentityCase] = field(default_factory=list)


class EventStoreReader(Protocol):
    """What reading needs of the hub application."""

    @property
    def recorder(self) -> Any: ...

    @property
    def mapper(self) -> Any: ...

    def all_child_ids(self) -> Iterable[Any]: ...

    def get_child(self, child_id: Any) -> Child: ...


def read_sources(app: EventStoreReader, alerts: AlertStore) -> Sources:
    """Everything the reports count, from the event store and the alert store."""
    children = [mi_child(app.get_child(child_id)) for child_id in app.all_child_ids()]
    return Sources(children, alerts.select("1", (), 100_000_000), list(_cases(app)))


def mi_child(child: Child) -> MiChild:
    postcode = child.details.get("postcode") or ""
    worker = child.professionals.get("lead_social_worker") or {}
    return MiChild(
        child_id=str(child.id),
        district=postcode.split(" ")[0].upper() if postcode.strip() else UNKNOWN,
        team=worker.get("team") or UNALLOCATED,
        school=child.current_school or "none",
        entries=tuple(child.entries),
    )


def _cases(app: EventStoreReader) -> Iterable[IdentityCase]:
    cases: dict[str, IdentityCase] = {}
    start = 1
    while True:
        page = app.recorder.select_notifications(start=start, limit=1000, topics=list(CASE_TOPICS))
        if not page:
            break
        for notification in page:
            event = app.mapper.to_domain_event(notification)
            case_id = str(event.originator_id)
            if notification.topic.endswith(".Opened"):
                cases[case_id] = IdentityCase(case_id, event.agency, event.timestamp)
            elif case_id in cases:
                cases[case_id].decided_at = event.timestamp
                linked = notification.topic.endswith(".Linked")
                cases[case_id].outcome = "linked" if linked else "new-child"
        start = page[-1].id + 1
    return cases.values()
