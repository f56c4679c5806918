"""A lookup server killed with SIGKILL mid-load leaves no audit record without a signed head."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import grpc

from hub.access.certs import create_authority, issue_client, issue_server
from hub.access.organisations import directory_path
from hub.audit.chain import AuditLog
from hub.audit.keys import audit_signing_key
from hub.bootstrap import build_application
from hub.config import Settings
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.lookup.client import ClientTls, LookupClient
from tests.fixtures.lookup_world import DESK, JAMES, ORGANISATIONS_CSV, load_world

CLIENTS = 8


def _prepare(root: Path) -> Settings:
    settings = Settings(data_dir=root / "data", kafka_bootstrap="unused:0")
    create_authority(settings.certs_dir)
    issue_server(settings.certs_dir)
    issue_client(settings.certs_dir, DESK)
    directory = directory_path(settings.data_dir)
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text(ORGANISATIONS_CSV, encoding="utf-8")
    app = build_application(settings)
    load_world(app, root)
    app.close()
    return settings


def _load(settings: Settings, port: int, stop: threading.Event, answered: list[int]) -> None:
    certs = settings.certs_dir
    tls = ClientTls(
        certs / "ca.pem", certs / "client-ae-desk-1.pem", certs / "client-ae-desk-1.key"
    )
    client = LookupClient(f"127.0.0.1:{port}", tls)
    while not stop.is_set():
        try:
            client.by_nhs_number(JAMES.nhs)
            answered.append(1)
        except grpc.RpcError:  # this connection's server was killed
            client.close()
            client = LookupClient(f"127.0.0.1:{port}", tls)
    client.close()


def test_a_server_killed_mid_load_leaves_its_tail_signed_within_the_bound(tmp_path: Path) -> None:
    """SIGKILL one of two servers under load; the log verifies with a 1 s bound at once.

    Verified while the other server still runs, before anything shuts down cleanly,
    so no shutdown checkpoint can have signed the killed server's records for it.
    """
    settings = _prepare(tmp_path)
    group = LookupProcesses(ServeOptions(settings, "127.0.0.1:0", workers=4), processes=2)
    port = group.start()
    stop, answered = threading.Event(), list[int]()
    threads = [
        threading.Thread(target=_load, args=(settings, port, stop, answered))
        for _ in range(CLIENTS)
    ]
    try:
        for thread in threads:
            thread.start()
        time.sleep(2.0)
        victim = group.pids[0]
        os.kill(victim, signal.SIGKILL)
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        log = AuditLog(settings.audit_path, audit_signing_key(settings.data_dir / "keys"))
        victims = [r for r in log.records("lookup") if r.payload["server_process"] == victim]
        result = log.verify(log.public_key, bound_s=1.0)
        heads = log.heads()
        log.close()
    finally:
        stop.set()
        group.stop()
    assert victims, "the killed server had answered lookups"
    assert result.ok, result.problems
    assert max(head.size for head in heads) == result.records
    assert len(answered) > CLIENTS
