"""One query tells which of many aggregate ids are stored, on SQLite and the in-memory store."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate

from hub.application.existence import SQLITE_IDS_PER_QUERY, existing_ids


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
