"""The hub's shared stores on a real PostgreSQL server: schema, audit log, alert store, ledger.

``hub db upgrade`` makes the tables; the audit log appended from two processes at once
stays one chain under signed heads; the alert store and the publish ledger behave as
their SQLite forms do (the alert store's round trip runs on both).
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.ledger import open_publish_ledger
from adapters.pg_ledger import PostgresPublishLedger
from hub.access.certs import CertifiedIdentity
from hub.alerts.inbox import open_alerts_for
from hub.alerts.model import Recipient
from hub.alerts.pg_store import PostgresAlertStore
from hub.alerts.store import ACKNOWLEDGED, Alert, AlertStore
from hub.audit.keys import private_pem
from hub.audit.pg_log import PostgresAuditLog
from hub.audit.proofs import check_inclusion_proof, inclusion_proof
from hub.audit.witness_file import read_witness_file
from hub.bootstrap import bootstrap
from hub.cli.main import main
from hub.config import Settings
from hub.migrations.runner import SchemaNotCurrentError, head_version

PAYLOAD = {"decision": "full", "category": "cp-plan-status", "recipient": "ae-desk-1"}


def test_db_upgrade_makes_the_schema_and_a_second_run_changes_nothing(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """First run applies every version; the second applies none and leaves one row each."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_DATABASE_URL", database_url)
    assert 0 == main(["db", "upgrade"])
    assert "applied 0001 shared_stores" in capsys.readouterr().out
    assert 0 == main(["db", "upgrade"])
    assert "the PostgreSQL schema is up to date\n" == capsys.readouterr().out
    with psycopg.connect(database_url) as db:
        versions = db.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()
        tables = {
            row[0]
            for row in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert [(v,) for v in range(1, head_version() + 1)] == versions
    assert {"audit", "audit_keys", "tree_heads", "alerts", "positions", "published"} <= tables


def test_a_store_on_a_database_not_upgraded_names_the_command(database_url: str) -> None:
    """The stores never create tables on PostgreSQL: they ask for `hub db upgrade`."""
    with pytest.raises(SchemaNotCurrentError, match="hub db upgrade"):
        PostgresAuditLog(database_url, Ed25519PrivateKey.generate())
    with pytest.raises(SchemaNotCurrentError, match="hub db upgrade"):
        PostgresAlertStore(database_url)
    with pytest.raises(SchemaNotCurrentError, match="hub db upgrade"):
        PostgresPublishLedger(database_url)


def test_the_composition_root_puts_every_shared_store_in_postgres(
    upgraded_database_url: str, tmp_path: Path
) -> None:
    """HUB_DATABASE_URL naming PostgreSQL: audit log, alert store and ledger live there."""
    system = bootstrap(
        Settings(data_dir=tmp_path, kafka_bootstrap="unused", database_url=upgraded_database_url)
    )
    audit, store = system.audit(), system.alert_store()
    try:
        assert isinstance(audit, PostgresAuditLog)
        assert isinstance(store, PostgresAlertStore)
        assert upgraded_database_url == system.publish_ledger()
        assert ["audit-signing.pem", "audit-signing.pub.pem"] == sorted(
            path.name for path in (tmp_path / "keys").iterdir()
        )
        assert not list(tmp_path.rglob("*.sqlite"))
    finally:
        audit.close()
        store.close()


def test_appends_verify_and_prove_inclusion_on_postgres(
    upgraded_database_url: str, tmp_path: Path
) -> None:
    """Records appended, an idempotent retry skipped, a rotation: verify and a proof pass."""
    key, new_key = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    witness = tmp_path / "witness.jsonl"
    log = PostgresAuditLog(upgraded_database_url, key, witness_file=witness)
    try:
        log.append("disclosure", [dict(PAYLOAD, n=n) for n in range(5)])
        assert 1 == len(log.append_batch([("alert-raised", {"alert_id": "a-1"})], ["a-1"]))
        assert [] == log.append_batch([("alert-raised", {"alert_id": "a-1"})], ["a-1"])
        log.rotate_key(new_key)
        log.append("disclosure", [dict(PAYLOAD, n=99)])
        result = log.verify(key.public_key(), witnessed=read_witness_file(witness))
        proof = inclusion_proof(log.stored_records(), log.heads()[-1], 3)
    finally:
        log.close()
    assert result.ok, result.problems
    assert 8 == result.records
    assert [] == check_inclusion_proof(proof, new_key.public_key())


def test_committed_records_are_read_on_a_connection_of_their_own(
    upgraded_database_url: str,
) -> None:
    """A grant another host committed is seen; the reader does not wait for this writer."""
    key = Ed25519PrivateKey.generate()
    writer, reader = (PostgresAuditLog(upgraded_database_url, key) for _ in range(2))
    try:
        writer.append("disclosure", [dict(PAYLOAD, n=1)])
        writer.append("break-glass", [{"case_id": "c-1"}])
        held, release = threading.Event(), threading.Event()

        def hold_the_writer() -> None:  # this log's writer busy: the read must not need it
            with reader._lock:
                held.set()
                release.wait(30)

        holder = threading.Thread(target=hold_the_writer)
        holder.start()
        held.wait(10)
        seen = [record.payload for record in reader.committed_records("break-glass")]
        release.set()
        holder.join()
    finally:
        writer.close()
        reader.close()
    assert [{"case_id": "c-1"}] == seen


def _append_from_a_process(url: str, key_pem: bytes, witness: str, name: str, groups: int) -> None:
    """One appending process (spawned): ``groups`` appends of two records each."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(key_pem, None)
    assert isinstance(key, Ed25519PrivateKey)
    log = PostgresAuditLog(url, key, witness_file=Path(witness))
    try:
        for n in range(groups):
            log.append("disclosure", [dict(PAYLOAD, writer=name, n=n, part=p) for p in range(2)])
    finally:
        log.close()


def test_two_processes_appending_at_once_make_one_valid_chain(
    upgraded_database_url: str, tmp_path: Path
) -> None:
    """Two processes append to one PostgreSQL log at once: one chain, every head verifies.

    Serialised by the database's advisory lock, not a lock file: each group extends the
    chain the other left, and the shared witness file holds the heads in commit order.
    """
    key, groups = Ed25519PrivateKey.generate(), 150
    witness = tmp_path / "witness.jsonl"
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=_append_from_a_process,
            args=(upgraded_database_url, private_pem(key), str(witness), name, groups),
        )
        for name in ("first", "second")
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [0, 0] == [process.exitcode for process in processes]
    log = PostgresAuditLog(upgraded_database_url, key)
    try:
        result = log.verify(key.public_key(), witnessed=read_witness_file(witness))
        records = log.records()
    finally:
        log.close()
    assert result.ok, result.problems
    assert list(range(1, 2 * 2 * groups + 1)) == [record.seq for record in records]
    assert {"first": 2 * groups, "second": 2 * groups} == {
        name: sum(record.payload["writer"] == name for record in records)
        for name in ("first", "second")
    }


def _alert(alert_id: str, organisation: str, deadline: str) -> Alert:
    return Alert(
        alert_id=alert_id,
        rule_id="c5-multi-agency",
        requirements=["C5"],
        child_id=f"child-{alert_id}",
        nhs_number="9434765919",
        recipient=Recipient("duty-team", "social-worker", organisation, "local-authority", "duty"),
        urgency="routine",
        headline="Concerns from 2 agencies",
        content={"agency": "police", "kind": "domestic-abuse-notification"},
        decision={"decision": "full"},
        raised_at="2026-11-20T09:00:00+00:00",
        ack_deadline=deadline,
        occurrence_id=f"o-{alert_id}",
    )


OpenStore = Callable[[], AlertStore]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    """Open the alert store on SQLite or on PostgreSQL (every store opened is closed)."""
    opened: list[AlertStore] = []

    def open_one() -> AlertStore:
        if request.param == "sqlite":
            store = AlertStore(tmp_path / "alerts.sqlite")
        else:
            store = PostgresAlertStore(request.getfixturevalue("upgraded_database_url"))
        opened.append(store)
        return store

    yield open_one
    for store in opened:
        store.close()


def test_alert_store_round_trip(open_store: OpenStore) -> None:
    """Alerts, positions, the inbox's query, marks, acknowledgement, escalation, counts."""
    store = open_store()
    alerts = [
        _alert("a-1", "383", "2026-11-20T12:00:00+00:00"),
        _alert("a-2", "383", "2026-11-21T12:00:00+00:00"),
        _alert("a-3", "384", "2026-11-20T12:00:00+00:00"),
    ]
    assert 3 == store.add(alerts, ("raiser", 41))
    assert 0 == store.add(alerts[:1], ("raiser", 42))  # a replay stores nothing twice
    store.mark("published", ["a-1"])
    store.acknowledge("a-1", "sw-1", "2026-11-20T10:00:00+00:00")
    store.set_escalated("a-3", 1, [])
    store.set_escalated("a-3", 0, [])  # never lowers the level
    again = open_store()  # another connection (another host) reads what was committed
    duty = CertifiedIdentity("sw-2", "383", "social-worker")
    got = again.get("a-1")
    assert got is not None
    assert (ACKNOWLEDGED, "sw-1", True) == (got.state, got.acknowledged_by, got.published)
    assert 42 == again.position("raiser")
    assert [1, 2, 3] == [alert.seq for alert in again.select()]
    assert ["a-2"] == [alert.alert_id for alert in open_alerts_for(again, duty)]
    assert ["a-2", "a-3"] == [alert.alert_id for alert in again.unpublished()]
    assert ["a-3"] == [a.alert_id for a in again.open_alerts("2026-11-21T00:00:00+00:00")]
    assert 1 == next(a for a in again.select() if a.alert_id == "a-3").escalated_to_level
    assert [("c5-multi-agency", 2, 1)] == again.open_by_rule("2026-11-21T00:00:00+00:00")
    assert [("383", "acknowledged", 1), ("383", "raised", 1), ("384", "raised", 1)] == (
        again.counts("team")
    )
    assert [("police", "acknowledged", 1), ("police", "raised", 2)] == again.counts("agency")


def test_the_publish_ledger_is_shared_and_idempotent(upgraded_database_url: str) -> None:
    """What one adapter recorded another sees; recording an event again changes nothing."""
    first = open_publish_ledger(upgraded_database_url)
    second = open_publish_ledger(upgraded_database_url)
    try:
        first.record("cluster-a", [("e-1", "t", 0, 10), ("e-2", "t", 1, 11)])
        first.record("cluster-a", [("e-1", "t", 0, 99)])  # a repeat: ignored
        seen = second.already_published("cluster-a", ["e-1", "e-2", "e-3"])
        other_cluster = second.already_published("cluster-b", ["e-1"])
    finally:
        first.close()
        second.close()
    assert {"e-1", "e-2"} == seen
    assert set() == other_cluster
    with psycopg.connect(upgraded_database_url) as db:
        rows: list[Any] = db.execute(
            'SELECT event_id, "offset" FROM published ORDER BY 1'
        ).fetchall()
    assert [("e-1", 10), ("e-2", 11)] == rows
