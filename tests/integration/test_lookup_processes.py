"""`hub serve --processes N`: several lookup server processes answer on one port.

Two real server processes (spawned, as the CLI does) share a port with SO_REUSEPORT;
sixteen clients, each on its own mutual-TLS connection, are spread across them by the
kernel. Both processes answer, every lookup is audited once, and the one hash chain
they both append to still verifies. Servers started together on a new data directory
(no event store, audit log or read model yet) all come up and answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.access.certs import create_authority, issue_client, issue_server
from hub.access.organisations import directory_path
from hub.audit.chain import AuditLog
from hub.audit.keys import audit_signing_key
from hub.bootstrap import build_application
from hub.config import Settings
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.lookup.client import ClientTls, LookupClient
from hub.lookup.proto import lookup_pb2
from tests.fixtures.lookup_world import DESK, JAMES, ORGANISATIONS_CSV, load_world

CLIENTS = 16


def _certificates_and_directory(settings: Settings) -> None:
    """What a server needs besides the store: its CA, certificates and the organisations."""
    create_authority(settings.certs_dir)
    issue_server(settings.certs_dir)
    issue_client(settings.certs_dir, DESK)
    directory = directory_path(settings.data_dir)
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text(ORGANISATIONS_CSV, encoding="utf-8")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, int, list[int]]]:
    root = tmp_path_factory.mktemp("processes")
    settings = Settings(data_dir=root / "data", kafka_bootstrap="unused:0")
    _certificates_and_directory(settings)
    app = build_application(settings)  # the store, keys and index ids the servers will open
    load_world(app, root)
    app.close()
    group = LookupProcesses(ServeOptions(settings, "127.0.0.1:0", workers=4), processes=2)
    port = group.start()
    yield settings, port, group.pids
    group.stop()


def _client(settings: Settings, port: int) -> LookupClient:
    certs = settings.certs_dir
    tls = ClientTls(
        certs / "ca.pem", certs / "client-ae-desk-1.pem", certs / "client-ae-desk-1.key"
    )
    return LookupClient(f"127.0.0.1:{port}", tls)


def test_both_processes_answer_and_audit_into_one_chain(
    served: tuple[Settings, int, list[int]],
) -> None:
    """Sixteen connections: all answered, by both processes, each lookup audited once."""
    settings, port, pids = served
    clients = [_client(settings, port) for _ in range(CLIENTS)]
    answers = [client.by_nhs_number(JAMES.nhs) for client in clients]
    for client in clients:
        client.close()
    log = AuditLog(settings.audit_path, audit_signing_key(settings.data_dir / "keys"))
    lookups = log.records("lookup")
    verified = log.verify(audit_signing_key(settings.data_dir / "keys").public_key())
    log.close()

    assert [(a.match.outcome, a.on_plan) for a in answers] == [(lookup_pb2.MATCHED, True)] * CLIENTS
    assert {a.lookup_id for a in answers} == {r.payload["lookup_id"] for r in lookups}
    assert {r.payload["server_process"] for r in lookups} == set(pids)
    assert verified.ok, verified.problems


def test_servers_started_together_on_a_new_data_directory_answer(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """No event store yet: the group creates it once, and three servers answer "no record"."""
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("fresh") / "data", kafka_bootstrap="unused:0"
    )
    _certificates_and_directory(settings)
    group = LookupProcesses(ServeOptions(settings, "127.0.0.1:0", workers=2), processes=3)
    port = group.start()
    try:
        clients = [_client(settings, port) for _ in range(6)]
        outcomes = [client.by_nhs_number(JAMES.nhs).match.outcome for client in clients]
        for client in clients:
            client.close()
    finally:
        group.stop()

    assert outcomes == [lookup_pb2.NO_RECORD_HELD] * 6
