"""Events declared as classes store and replay exactly as the ``@event`` methods they replaced.

``tests/fixtures/events_before_explicit_classes.json`` holds the events that
``_operations()`` recorded at commit 714227a, when these events were ``@event``
methods: topic, version and state JSON as stored (without encryption), and each
aggregate's state after them, as that code left it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Mapper, StoredEvent

from hub.application.hub_app import HubApplication
from hub.domain.child import Child
from hub.domain.identity import Demographics
from hub.domain.indexes import BirthDateIndex, Household, IdentifierIndex

FIXTURE = Path(__file__).parents[1] / "fixtures" / "events_before_explicit_classes.json"
_TIMES = ("_created_on", "_modified_on")


def _operations() -> list[Aggregate]:
    child = Child(
        first_event_id="legacy-1",
        subject_index=0,
        details={
            "given_name": "Ava",
            "family_name": "Stone",
            "date_of_birth": "2016-05-04",
            "postcode": None,
            "household_reference": None,
        },
    )
    child.link_identifier("nhs/9434765919", "identifier")
    child.link_identifier("local/EMERGENCY_CARE/RXX01/H123", "identifier", "ig.lead", "checked")
    child.update_details(
        {"postcode": "LS1 4AB", "household_reference": "100012345678", "given_name": "Eva"}
    )
    child.involve("gp_practice", {"code": "B86001", "name": "Practice", "phone": None})
    child.join_household("100012345678")
    child.link_sibling(UUID("00000000-0000-4000-8000-000000000002"))
    index = IdentifierIndex(
        aggregate_id=UUID("00000000-0000-4000-8000-000000000010"),
        key="upn/A123",
        child_id=None,  # type: ignore[arg-type]  # as the fixture's events were written
    )
    index.claim(child.id)
    born = BirthDateIndex(
        aggregate_id=UUID("00000000-0000-4000-8000-000000000011"), date_of_birth="2016-05-04"
    )
    born.note(
        child.id,
        Demographics("Ava", "Stone", "2016-05-04", "LS1 4AB", "100012345678", "9434765919"),
    )
    home = Household(
        aggregate_id=UUID("00000000-0000-4000-8000-000000000012"),
        household_reference="100012345678",
    )
    home.add_member(child.id)
    return [child, index, born, home]


def _mapper() -> Mapper[UUID]:
    app = HubApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    return Mapper(transcoder=app.mapper.transcoder)


def _without_timestamp(state: str) -> dict[str, Any]:
    decoded: dict[str, Any] = json.loads(state)
    decoded.pop("timestamp")
    return decoded


def _state(aggregate: Aggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k not in _TIMES and k != "_pending_events"}


def test_new_events_are_stored_with_the_old_topics_and_states() -> None:
    """Same topics, versions and state JSON (timestamps aside) as the decorator wrote."""
    mapper = _mapper()
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))["events"]
    now = [
        mapper.to_stored_event(event)
        for aggregate in _operations()
        for event in aggregate.collect_events()
    ]
    assert [(row["topic"], row["version"]) for row in before] == [
        (stored.topic, stored.originator_version) for stored in now
    ]
    assert [_without_timestamp(row["state"]) for row in before] == [
        _without_timestamp(stored.state.decode()) for stored in now
    ]


def test_events_stored_by_the_decorator_replay_into_the_same_aggregates() -> None:
    """Replaying the old stored events, and the new code, both leave what the old code did."""
    mapper = _mapper()
    fixture = json.loads(FIXTURE.read_text(encoding="utf-8"))
    rows = fixture["events"]
    replayed: dict[str, Any] = {}
    for row in rows:
        event: Any = mapper.to_domain_event(
            StoredEvent(
                originator_id=UUID(row["originator_id"]),
                originator_version=row["version"],
                topic=row["topic"],
                state=row["state"].encode(),
            )
        )
        replayed[row["originator_id"]] = event.mutate(replayed.get(row["originator_id"]))
    built = {str(aggregate.id): aggregate for aggregate in _operations()}
    assert built.keys() == replayed.keys() == fixture["final_states"].keys()
    for aggregate_id, aggregate in built.items():
        left_by_old_code = mapper.transcoder.decode(fixture["final_states"][aggregate_id].encode())
        assert _state(replayed[aggregate_id]) == left_by_old_code, aggregate_id
        assert _state(aggregate) == left_by_old_code, aggregate_id
