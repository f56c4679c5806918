"""The hub's event store on a real PostgreSQL server: positions, duplicates, encryption at rest.

The server and a database of its own for every test come from
``tests/integration/postgres_database.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import sql

from adapters import emergency_care, social_care
from hub.application.hub_app import HubApplication, InboundMessage
from hub.bootstrap import build_application, store_env
from hub.cli.main import main
from hub.config import Settings
from hub.documents.furniture import local_time
from hub.domain.errors import ChildNotFoundError
from hub.eventstore.existence import existing_ids
from hub.ingest.worker import IngestWorker
from hub.ingest.worker_stats import WorkerStats
from tests.fixtures import native
from tests.fixtures.document_world import load_document_world
from tests.fixtures.helpers import inbound_messages
from tests.fixtures.lookup_world import JAMES
from tests.fixtures.pdf_text import pdf_text
from tests.integration.hub_harness import (
    TopicSet,
    compare_with_truth,
    ground_truth,
    publish_generated,
)

# eventsourcing names its tables after the application ("SafeguardingHub").
EVENTS_TABLE = "safeguardinghub_events"
SNAPSHOTS_TABLE = "safeguardinghub_snapshots"
NHS_NUMBER = "9434765919"


OpenHub = Callable[..., HubApplication]


@pytest.fixture
def open_hub(database_url: str, tmp_path: Path) -> Iterator[OpenHub]:
    """Build hub applications on the test's database (one key file); all closed afterwards."""
    opened: list[HubApplication] = []

    def open_app(*, worker: bool = True) -> HubApplication:
        settings = Settings(
            data_dir=tmp_path / "hub", kafka_bootstrap="unused", database_url=database_url
        )
        app = build_application(settings, worker=worker)
        opened.append(app)
        return app

    yield open_app
    for app in opened:
        app.close()


def _plan(tmp_path: Path, rows: list[str]) -> list[InboundMessage]:
    path = tmp_path / "cp.csv"
    path.write_text("\n".join([native.CSC_HEADER, *rows]) + "\n", encoding="utf-8")
    return inbound_messages(social_care.parse_file(path))


def _attendance(tmp_path: Path, start: int) -> list[InboundMessage]:
    path = tmp_path / "ae.hl7"
    path.write_text(native.HL7_GOOD_A04 + native.HL7_GOOD_A03, encoding="utf-8")
    return inbound_messages(emergency_care.parse_file(path), start)


def _stored_payloads(database_url: str) -> list[bytes]:
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            sql.SQL("SELECT state FROM {} UNION ALL SELECT state FROM {}").format(
                sql.Identifier(EVENTS_TABLE), sql.Identifier(SNAPSHOTS_TABLE)
            )
        ).fetchall()
    return [bytes(state) for (state,) in rows]


def test_facts_and_their_position_are_stored_and_read_back(
    open_hub: OpenHub, tmp_path: Path
) -> None:
    """A batch and its partition position are committed together and read by a fresh app."""
    messages = _plan(tmp_path, [native.CSC_PLAN_STARTED]) + _attendance(tmp_path, 10)
    report = open_hub().ingest(messages, Tracking("t#0", 12))

    reader = open_hub(worker=False)
    child = reader.find_child(f"nhs/{NHS_NUMBER}")
    assert (3, 12, None) == (report.applied, reader.position("t", 0), reader.position("t", 1))
    assert [
        "cp-status-plan-started",
        "unscheduled-care-arrival",
        "unscheduled-care-discharge",
    ] == [e.kind for e in child.chronology()]
    assert child.on_plan


def test_a_recorded_position_is_refused_and_doubles_nothing(
    open_hub: OpenHub, tmp_path: Path
) -> None:
    """Re-ingesting a batch at its recorded position raises IntegrityError; nothing is added."""
    app = open_hub()
    messages = _plan(tmp_path, [native.CSC_PLAN_STARTED])
    app.ingest(messages, Tracking("t#0", 1))
    last_event = app.recorder.max_notification_id()

    with pytest.raises(IntegrityError, match="Failed to record tracking for t#0 1"):
        app.ingest(messages, Tracking("t#0", 1))

    reader = open_hub(worker=False)
    kinds = [e.kind for e in reader.find_child(f"nhs/{NHS_NUMBER}").chronology()]
    assert (["cp-status-plan-started"], last_event, 1) == (
        kinds,
        reader.recorder.max_notification_id(),
        reader.position("t", 0),
    )
    assert app.has_position("t#0", 1)


def test_a_position_behind_the_recorded_one_is_refused(open_hub: OpenHub, tmp_path: Path) -> None:
    """Single-row tracking keeps only the highest position: an older one raises IntegrityError."""
    app = open_hub()
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), Tracking("t#0", 5))

    with pytest.raises(IntegrityError):
        app.ingest([], Tracking("t#0", 3))

    assert 5 == app.position("t", 0)


def test_new_facts_in_a_refused_batch_are_not_stored(open_hub: OpenHub, tmp_path: Path) -> None:
    """A batch whose position is already recorded is rolled back whole, new children too."""
    app = open_hub()
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), Tracking("t#0", 1))
    other = native.CSC_PLAN_STARTED.replace("LCS-1,9434765919,,James", "LCS-2,9434765870,,Lucy")

    with pytest.raises(IntegrityError):
        app.ingest(_plan(tmp_path, [other]), Tracking("t#0", 1))

    with pytest.raises(ChildNotFoundError):
        app.find_child("nhs/9434765870")  # the worker's own cache kept nothing either
    with pytest.raises(ChildNotFoundError):
        open_hub(worker=False).find_child("nhs/9434765870")


def test_redelivered_messages_at_a_new_position_add_nothing(
    open_hub: OpenHub, tmp_path: Path
) -> None:
    """The same agency events at a later position are recognised; only the position moves."""
    app = open_hub()
    messages = _plan(tmp_path, [native.CSC_PLAN_STARTED])
    app.ingest(messages, Tracking("t#0", 1))
    version = app.find_child(f"nhs/{NHS_NUMBER}").version

    report = app.ingest(messages, Tracking("t#0", 2))

    reader = open_hub(worker=False)
    assert ((0, 1), version, 2) == (
        (report.applied, report.duplicates),
        reader.find_child(f"nhs/{NHS_NUMBER}").version,
        reader.position("t", 0),
    )


def test_event_payloads_are_encrypted_at_rest(
    open_hub: OpenHub, database_url: str, tmp_path: Path
) -> None:
    """No NHS number, name, address, plan category or worker appears in the stored bytes."""
    app = open_hub()
    app.ingest(
        _plan(tmp_path, [native.CSC_PLAN_STARTED]) + _attendance(tmp_path, 10), Tracking("t#0", 12)
    )
    secrets = [
        NHS_NUMBER.encode(),
        b"James",
        b"Smith",
        b"LS1 4AB",
        b"100012345678",
        b"neglect",
        b"Alex Worker",
        b"alex@la.example.org.uk",
        b"Park Lane Surgery",
    ]

    stored = _stored_payloads(database_url)
    cipher = app.mapper.cipher
    assert cipher is not None
    plaintext = b"\n".join(cipher.decrypt(state) for state in stored)

    assert len(stored) > 10
    assert [] == [s for s in secrets if s not in plaintext]  # control: they were stored
    assert [] == [s for s in secrets if any(s in state for state in stored)]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "feeds"
    status = main(
        ["generate", "--children", "1000", "--days", "5", "--seed", "5", "--out", str(out)]
    )
    assert 0 == status
    return out


def _run_worker(app: HubApplication, bootstrap: str, topics: TopicSet, group: str) -> WorkerStats:
    worker = IngestWorker(
        app,
        bootstrap,
        group_id=group,
        batch_size=500,
        subscribe_to=topics.agencies,
        dead_letter_topic=topics.dead_letter,
    )
    return worker.run(until_idle=True)


def test_kafka_to_postgres_matches_the_generators_ground_truth(
    kafka_bootstrap: str, generated: Path, open_hub: OpenHub, tmp_path: Path
) -> None:
    """Published feeds land in PostgreSQL once each, on the right child; a rerun adds nothing."""
    topics = TopicSet.fresh()
    published = publish_generated(kafka_bootstrap, generated, topics, tmp_path / "ledger.sqlite")
    group = f"g-{uuid.uuid4().hex}"

    stats = _run_worker(open_hub(), kafka_bootstrap, topics, group)
    last_event = open_hub(worker=False).recorder.max_notification_id()
    again = _run_worker(open_hub(), kafka_bootstrap, topics, f"other-{group}")

    comparison = compare_with_truth(open_hub(worker=False), ground_truth(generated), published)
    assert (len(published.events), 0) == (stats.messages, stats.dead_letters)
    assert (0, last_event) == (
        again.messages,
        open_hub(worker=False).recorder.max_notification_id(),
    )
    assert [] == comparison.wrong_merges
    assert [] == comparison.duplicated
    assert [] == comparison.lost
    assert [] == comparison.split_children
    assert comparison.children > 100


def test_percent_encoded_url_parts_are_decoded(tmp_path: Path) -> None:
    """User, password and database in HUB_DATABASE_URL reach eventsourcing percent-decoded."""
    url = "postgresql://hub%40la:p%3Aw%2Fd%25@db.example:6543/hub%2Dtest"
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused", database_url=url)

    env = store_env(settings, worker=False)

    assert ("hub@la", "p:w/d%", "hub-test", "db.example", "6543") == (
        env["POSTGRES_USER"],
        env["POSTGRES_PASSWORD"],
        env["POSTGRES_DBNAME"],
        env["POSTGRES_HOST"],
        env["POSTGRES_PORT"],
    )


def test_one_query_tells_which_ids_are_stored(open_hub: OpenHub, tmp_path: Path) -> None:
    """The batch existence query finds a stored child and not an id never stored."""
    app = open_hub()
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), Tracking("t#0", 1))
    child_id = app.find_child(f"nhs/{NHS_NUMBER}").id
    never_stored = uuid.uuid4()

    assert {child_id} == existing_ids(app.recorder, [child_id, never_stored])


def test_a_court_chronology_from_postgres_is_signed_and_verifies(
    upgraded_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Hub export chronology over PostgreSQL (events and audit log): entries in order; verified."""
    database_url = upgraded_database_url
    settings = Settings(
        data_dir=tmp_path / "hub", kafka_bootstrap="unused", database_url=database_url
    )
    app = build_application(settings, worker=True)
    load_document_world(app, tmp_path)
    expected = [local_time(e.occurred_at) for e in app.find_child(f"nhs/{JAMES.nhs}").chronology()]
    app.close()
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "hub"))
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    out = tmp_path / "chronology.pdf"
    assert 0 == main(
        ["export", "chronology", JAMES.nhs, "--as-role", "social-worker", "--relationship",
         "lead-social-worker", "--recipient", "sw-1", "--all", "-o", str(out)]
    )  # fmt: skip
    text = " ".join(pdf_text(out.read_bytes()).split())
    positions = [text.index(when) for when in expected]
    assert sorted(positions) == positions
    assert 0 == main(["export", "verify", str(out)])
