"""One query tells which of many aggregate ids are stored; a unit of work asks only when it must."""

from __future__ import annotations

from pathlib import Path
from unittest import mock
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from hub.application.unit_of_work import UnitOfWork
from hub.eventstore.existence import SQLITE_IDS_PER_QUERY, existing_ids


class Thing(Aggregate):
    """A minimal aggregate to store."""


def _app(env: dict[str, str]) -> Application[UUID]:
    return Application(env=env)


@pytest.fixture(params=["sqlite", "popo"])
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Application[UUID]:
    if request.param == "sqlite":
        return _app(
            {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "s.db")}
        )
    return _app({"PERSISTENCE_MODULE": "eventsourcing.popo"})


def test_stored_ids_are_found_and_others_are_not(app: Application[UUID]) -> None:
    """Only ids with stored events come back, however many are asked about at once."""
    stored = [Thing() for _ in range(3)]
    app.save(*stored)
    absent = [uuid4() for _ in range(SQLITE_IDS_PER_QUERY + 7)]  # more than one query's worth

    found = existing_ids(app.recorder, [*absent, *(thing.id for thing in stored)])

    assert {thing.id for thing in stored} == found


def test_asking_about_nothing_finds_nothing(app: Application[UUID]) -> None:
    """An empty question is answered without touching the store."""
    assert set() == existing_ids(app.recorder, [])


def test_a_unit_of_work_asks_the_store_only_about_ids_it_cannot_place(tmp_path: Path) -> None:
    """Ids in the unit of work, the cache or known absent are not asked about again.

    Of the rest, only those without stored events are remembered as absent.
    """
    app = _app(
        {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(tmp_path / "s.db"),
            "AGGREGATE_CACHE_MAXSIZE": "100",
        }
    )
    cached, stored, in_uow = Thing(), Thing(), Thing()
    app.save(cached, stored)
    cache = app.repository.cache
    assert cache is not None
    cache.put(cached.id, cached)  # stored and cached; ``stored`` is only stored
    remembered, new = uuid4(), uuid4()
    uow = UnitOfWork(app, known_absent={remembered})
    uow.add(in_uow)
    asked: list[set[UUID]] = []

    def spy(recorder: object, ids: set[UUID]) -> set[UUID]:
        asked.append(set(ids))
        return existing_ids(app.recorder, ids)

    with mock.patch("hub.application.unit_of_work.existing_ids", spy):
        uow.learn_absent(iter([cached.id, stored.id, in_uow.id, remembered, new]))

    assert asked == [{stored.id, new}]
    everything = {cached.id, stored.id, in_uow.id, remembered, new}
    assert uow.absent_among(everything) == {remembered, new}
