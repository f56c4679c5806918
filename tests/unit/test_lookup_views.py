"""The lookup read model answers exactly as a replay from the event store does, and keeps up.

The world is the lookup tests' small synthetic one, ingested through the real adapters
into SQLite; each lookup is made twice, once reading the read model and once replaying
the children from the event store, and the answers must match field for field.
"""

from __future__ import annotations

import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import Tracking

from adapters import emergency_care, social_care
from hub.access.certs import CertifiedIdentity
from hub.access.organisations import OrganisationDirectory
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditLog
from hub.bootstrap import store_env
from hub.config import Settings
from hub.domain.errors import ChildNotFoundError
from hub.lookup.service import LOOKUP_ENTRY_KINDS, ChildLookupService, LookupQuery
from hub.lookup.views import LookupViews
from hub.policy.loader import load_policy
from tests.fixtures import native
from tests.fixtures.lookup_world import (
    CODEC,
    DESK,
    EMILY,
    FACTS,
    GP,
    JAMES,
    LILA,
    LILY,
    NOW,
    OLIVER,
    ORGANISATIONS_CSV,
    SOCIAL_WORKER,
    UNKNOWN_NHS,
    attendance,
    load_world,
)


class World:
    """One store, one audit log, and a lookup service for each way of reading children."""

    def __init__(self, root: Path) -> None:
        self.settings = Settings(data_dir=root / "data", kafka_bootstrap="unused:0")
        self.app = HubApplication(
            env=store_env(self.settings, worker=False), decode_fact=FACTS.decode_fact
        )
        load_world(self.app, root)
        self.audit = AuditLog(root / "audit.sqlite", Ed25519PrivateKey.generate())
        self.views = self.open_views()
        self.by_views = self.service(self.views)
        self.by_replay = self.service(None)

    def open_views(self) -> LookupViews:
        return LookupViews(self.app, self.settings.lookup_views_path, LOOKUP_ENTRY_KINDS)

    def service(self, views: LookupViews | None) -> ChildLookupService:
        return ChildLookupService(
            self.app,
            load_policy(),
            self.audit,
            OrganisationDirectory.parse(ORGANISATIONS_CSV),
            lambda: NOW,
            views=views,
        )

    def ingest(self, messages: list[InboundMessage], position: int) -> None:
        self.app.ingest(messages, Tracking("extra#0", position))

    def close(self) -> None:
        self.views.close()
        self.audit.close()
        self.app.close()


@pytest.fixture
def world(tmp_path: Path) -> Any:
    opened = World(tmp_path)
    yield opened
    opened.close()


def _answer(service: ChildLookupService, caller: CertifiedIdentity, query: LookupQuery) -> Any:
    answer = asdict(service.lookup(caller, query))
    answer.pop("lookup_id")
    return answer


def _messages(export: Any, start: int) -> list[InboundMessage]:
    assert [] == export.rejected
    return [
        InboundMessage("extra", 0, offset, value, FACTS.decode_fact(value))
        for offset, value in enumerate(
            (CODEC.encode(e.schema_name, e.record) for e in export.events), start=start
        )
    ]


QUERIES = [LookupQuery(nhs_number=person.nhs) for person in (JAMES, EMILY, OLIVER, LILY, LILA)] + [
    LookupQuery(nhs_number=UNKNOWN_NHS),
    LookupQuery(
        given_name="Oliver", family_name="Brown", date_of_birth=OLIVER.dob, postcode="LS2 7EE"
    ),
    LookupQuery(given_name="Lily", family_name="Jones", date_of_birth=LILY.dob, postcode="LS6 1AA"),
]


@pytest.mark.parametrize("caller", [DESK, GP, SOCIAL_WORKER], ids=["desk", "gp", "social-worker"])
def test_answers_from_the_read_model_equal_answers_from_a_replay(
    world: World, caller: CertifiedIdentity
) -> None:
    """Every child, the unknown number and demographic queries: the same answer both ways."""
    purpose = "safeguarding" if caller is SOCIAL_WORKER else "direct-care"
    for query in QUERIES:
        asked = replace(query, purpose=purpose)
        assert _answer(world.by_replay, caller, asked) == _answer(world.by_views, caller, asked)


def test_a_lookup_sees_what_was_recorded_after_the_last_one(world: World, tmp_path: Path) -> None:
    """A new attendance and the end of the plan reach the next lookup through the read model."""
    before = world.by_views.lookup(DESK, LookupQuery(nhs_number=JAMES.nhs))
    hl7 = tmp_path / "later.hl7"
    hl7.write_text(attendance(JAMES, "V3003", "202611190900"), encoding="utf-8")
    ended = native.CSC_PLAN_STARTED.replace("plan-started", "plan-ended")
    csv = tmp_path / "ended.csv"
    csv.write_text(native.CSC_HEADER + "\n" + ended + "\n", encoding="utf-8")
    world.ingest(_messages(emergency_care.parse_file(hl7), 0), 1)
    world.ingest(_messages(social_care.parse_file(csv), 1), 2)

    after = world.by_views.lookup(DESK, LookupQuery(nhs_number=JAMES.nhs))

    assert before.on_plan and not after.on_plan
    assert len(after.attendances) == len(before.attendances) + 1
    assert "2026-11-19" == after.attendances[0].date
    assert _answer(world.by_replay, DESK, LookupQuery(nhs_number=JAMES.nhs)) == _answer(
        world.by_views, DESK, LookupQuery(nhs_number=JAMES.nhs)
    )


def test_rows_keep_only_the_entries_a_lookup_can_show(world: World) -> None:
    """The police notification and attendances are kept; nothing of other kinds is."""
    world.views.catch_up()
    stored = world.app.find_child(f"nhs/{JAMES.nhs}")
    row = world.views.find_child(f"nhs/{JAMES.nhs}")

    assert {e.kind for e in stored.entries} - LOOKUP_ENTRY_KINDS  # the store has other kinds
    assert [e for e in stored.chronology() if e.kind in LOOKUP_ENTRY_KINDS] == row.chronology()
    assert (stored.version, stored.plan, stored.siblings) == (row.version, row.plan, row.siblings)


def test_the_position_survives_a_restart_and_a_deleted_file_is_rebuilt(world: World) -> None:
    """Reopened, nothing is read again; deleted, the same rows are rebuilt from the store."""
    read_first = world.views.catch_up()
    world.views.close()
    world.views = world.open_views()
    read_again = world.views.catch_up()
    world.views.close()
    world.settings.lookup_views_path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{world.settings.lookup_views_path}{suffix}").unlink(missing_ok=True)
    world.views = world.open_views()

    rebuilt = world.views.catch_up()

    assert (read_first, read_again, rebuilt) == (
        world.app.recorder.max_notification_id(),
        0,
        read_first,
    )
    assert JAMES.nhs == world.views.find_child(f"nhs/{JAMES.nhs}").nhs_number


def test_two_server_processes_share_the_file_without_applying_twice(
    world: World, tmp_path: Path
) -> None:
    """Readers on one file (as two server processes): each event is applied once, by either."""
    other = world.open_views()  # opened before anything was applied: its position is 0
    first = world.views.catch_up()
    hl7 = tmp_path / "later.hl7"
    hl7.write_text(attendance(JAMES, "V3003", "202611190900"), encoding="utf-8")
    world.ingest(_messages(emergency_care.parse_file(hl7), 0), 1)

    by_other = other.catch_up()  # skips what the first applied, applies the new attendance
    by_first = world.views.catch_up()  # finds it applied already
    latest = world.app.recorder.max_notification_id()
    assert latest is not None

    assert (by_other, by_first) == (latest - first, 0)
    assert "2026-11-19T09:00:00+00:00" in [
        e.occurred_at for e in world.views.find_child(f"nhs/{JAMES.nhs}").entries
    ]
    assert other.position == world.views.position
    other.close()


def test_a_following_read_model_applies_new_events_without_a_lookup(
    world: World, tmp_path: Path
) -> None:
    """With ``follow()``, events recorded after the start reach the rows in the background."""
    world.views.catch_up()
    world.views.follow(interval_s=0.01)
    hl7 = tmp_path / "later.hl7"
    hl7.write_text(attendance(JAMES, "V3003", "202611190900"), encoding="utf-8")
    world.ingest(_messages(emergency_care.parse_file(hl7), 0), 1)
    target = world.app.recorder.max_notification_id()
    assert target is not None

    deadline = time.monotonic() + 10
    while world.views.position < target and time.monotonic() < deadline:
        time.sleep(0.01)

    assert target == world.views.position
    assert 0 == world.views.catch_up()  # nothing left for a lookup to apply


def test_rows_from_a_replaced_event_store_are_never_used(world: World, tmp_path: Path) -> None:
    """The same data directory with a new, different store: old children are not found."""
    world.views.catch_up()
    world.views.close()
    world.app.close()
    world.settings.data_dir.joinpath("hub.sqlite").unlink()
    world.app = HubApplication(
        env=store_env(world.settings, worker=False), decode_fact=FACTS.decode_fact
    )
    hl7 = tmp_path / "other.hl7"
    hl7.write_text(attendance(OLIVER, "V9009", "202611190900"), encoding="utf-8")
    world.ingest(_messages(emergency_care.parse_file(hl7), 0), 1)

    world.views = world.open_views()
    world.views.catch_up()

    with pytest.raises(ChildNotFoundError):
        world.views.find_child(f"nhs/{JAMES.nhs}")
    assert OLIVER.nhs == world.views.find_child(f"nhs/{OLIVER.nhs}").nhs_number


def test_with_nothing_committed_a_catch_up_does_not_query_the_store(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's change counter answers "nothing new"; a commit makes the next one look."""
    world.views.catch_up()
    queries: list[int] = []
    select = world.app.recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        queries.append(1)
        return select(*args, **kwargs)

    monkeypatch.setattr(world.app.recorder, "select_notifications", counted)
    idle = world.views.catch_up()
    asked_when_idle = len(queries)
    hl7 = tmp_path / "later.hl7"
    hl7.write_text(attendance(JAMES, "V3003", "202611190900"), encoding="utf-8")
    world.ingest(_messages(emergency_care.parse_file(hl7), 0), 1)

    applied = world.views.catch_up()

    assert (idle, asked_when_idle) == (0, 0)
    assert applied > 0 and len(queries) > 0
