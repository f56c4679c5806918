"""The hub on several hosts: a broker, PostgreSQL, two lookup servers and two workers.

Network namespaces (``tests.integration.netns``) stand for the machines: each part
runs on its own address and reaches the others only over the test network. Both
``hub serve`` hosts read the one PostgreSQL event store and present the same
certificate; a client given both addresses is answered by either, and when one server
is killed with SIGKILL mid-load its calls are answered by the other. No answered
lookup lacks its audit record, and both hosts' records make one audit log in
PostgreSQL that verifies, its tail under a signed head within the bound. Two
``hub run`` hosts form an active/standby pair over the store's lease: records
published after the active one is killed are ingested by the other, once.
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.registry import ADAPTERS
from hub.access.certs import create_authority, issue_client, issue_server
from hub.bootstrap import bootstrap, build_application
from hub.config import REPO_ROOT, Settings
from hub.lookup.client import ClientTls, LookupClient
from hub.lookup.proto import lookup_pb2
from tests.fixtures.lookup_world import DESK, JAMES, ORGANISATIONS_CSV, attendance, load_world
from tests.integration import netns
from tests.integration.audit_reading import audit_lookup_ids

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(netns.available() is not None, reason=str(netns.available())),
]

LOOKUP_PORT, KAFKA_PORT, POSTGRES_PORT = 50051, 9092, 5432
SERVER_NAME = "lookup.hub.test"  # the one name both servers' certificate carries
CLIENTS = 6


@dataclass
class Cluster:
    """The hosts and what the test needs to talk to them."""

    network: netns.TestNetwork
    servers: list[netns.Host]
    processes: list[Any]
    env: dict[str, str]
    data_dirs: list[Path]
    tls: ClientTls

    def client(self, *servers: netns.Host) -> LookupClient:
        addresses = ",".join(f"{host.address}:{LOOKUP_PORT}" for host in servers)
        return LookupClient(addresses, self.tls, server_name=SERVER_NAME)


def _hub(*argv: str) -> list[str]:
    return [sys.executable, "-m", "hub", *argv]


def _start_postgres(host: netns.Host, network: netns.TestNetwork, data: Path) -> str:
    env = {
        **os.environ,
        "HUB_POSTGRES_HOST": host.address,
        "HUB_POSTGRES_PORT": str(POSTGRES_PORT),
        "HUB_POSTGRES_CLIENTS": network.cidr,
        "HUB_POSTGRES_DATA_DIR": str(data),
    }
    script = str(REPO_ROOT / "deploy" / "postgres" / "postgres.sh")
    host.run(["bash", script, "start"], env=env, check=True, capture_output=True)
    url = host.run(["bash", script, "url"], env=env, check=True, capture_output=True, text=True)
    return str(url.stdout.strip())


def _stop_postgres(host: netns.Host, data: Path) -> None:
    env = {**os.environ, "HUB_POSTGRES_DATA_DIR": str(data)}
    script = str(REPO_ROOT / "deploy" / "postgres" / "postgres.sh")
    host.run(["bash", script, "stop"], env=env, capture_output=True)
    shutil.rmtree(data, ignore_errors=True)


def _wait_serving(client: LookupClient, process: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "a lookup server exited while starting"
        try:
            if client.health(timeout=2) == 1:
                return
        except grpc.RpcError:
            time.sleep(0.5)
    raise TimeoutError("the lookup server did not start")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("hosts")
    # PostgreSQL runs as its own user, which cannot enter pytest's private temp dirs.
    pg_data = Path("/var/lib/postgresql") / f"hub-hosts-{secrets.token_hex(4)}"
    with netns.TestNetwork() as network:
        kafka_host = network.add_host("kafka")
        db_host = network.add_host("db")
        servers = [network.add_host("lookup1"), network.add_host("lookup2")]
        kafka_dir = root / "kafka"
        kafka_host.run(
            _hub(
                "kafka", "start", "--host", kafka_host.address, "--port", str(KAFKA_PORT),
                "--data-dir", str(kafka_dir),
            ),
            check=True,
            capture_output=True,
            cwd=REPO_ROOT,
        )  # fmt: skip
        try:
            url = _start_postgres(db_host, network, pg_data)
            shared = root / "shared"
            certs = shared / "certs"
            create_authority(certs)
            issue_server(certs, (SERVER_NAME, *(host.address for host in servers)))
            issue_client(certs, DESK)
            (shared / "organisations.csv").write_text(ORGANISATIONS_CSV, encoding="utf-8")
            key = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            (shared / "audit-signing.pem").write_bytes(key)
            env = {
                **os.environ,
                "HUB_DATABASE_URL": url,
                "HUB_KAFKA_BOOTSTRAP": f"{kafka_host.address}:{KAFKA_PORT}",
                "HUB_CERTS_DIR": str(certs),
                "HUB_ORGANISATIONS": str(shared / "organisations.csv"),
                "HUB_AUDIT_SIGNING_KEY": str(shared / "audit-signing.pem"),
                "HUB_CIPHER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
                "HUB_TOPIC_PREFIX": f"t{network.token}.",
                "HUB_LOG_LEVEL": "WARNING",
            }
            loader_settings = Settings.from_env({**env, "HUB_DATA_DIR": str(root)})
            bootstrap(loader_settings).upgrade_database()  # hub db upgrade
            loader = build_application(loader_settings)
            load_world(loader, root)
            loader.close()
            processes, data_dirs = [], []
            for number, host in enumerate(servers, 1):
                data_dir = root / f"lookup{number}"
                data_dirs.append(data_dir)
                host_env = {
                    **env,
                    "HUB_DATA_DIR": str(data_dir),
                    "HUB_LOOKUP_ADDRESS": f"{host.address}:{LOOKUP_PORT}",
                    "HUB_WEB_ADDRESS": f"{host.address}:8443",
                }
                processes.append(
                    host.popen(_hub("serve"), env=host_env, cwd=REPO_ROOT, stdout=None)
                )
            tls = ClientTls(
                certs / "ca.pem", certs / "client-ae-desk-1.pem", certs / "client-ae-desk-1.key"
            )
            made = Cluster(network, servers, processes, env, data_dirs, tls)
            for host, process in zip(servers, processes, strict=True):
                client = made.client(host)
                _wait_serving(client, process)
                client.close()
            yield made
        finally:
            for process_host in network.hosts[2:]:
                for process in process_host.processes:
                    if process.poll() is None:
                        process_host.kill(process)
            _stop_postgres(db_host, pg_data)
            kafka_host.run(
                _hub("kafka", "stop", "--data-dir", str(kafka_dir)),
                capture_output=True,
                cwd=REPO_ROOT,
            )


def test_either_server_answers_from_the_shared_store(cluster: Cluster) -> None:
    """A lookup on each host finds the child on a plan, from the one PostgreSQL store."""
    for host in cluster.servers:
        client = cluster.client(host)
        answer = client.by_nhs_number(JAMES.nhs)
        client.close()
        assert answer.lookup_id
        assert answer.on_plan and answer.current_plan.category == "NEGLECT"
        assert lookup_pb2.MATCHED == answer.match.outcome
        assert [] != list(answer.attendances)


def test_a_server_killed_mid_load_loses_no_audit_record_and_calls_go_on(
    cluster: Cluster,
) -> None:
    """SIGKILL one server under load: every call is answered (the other), every answer audited."""
    answered: list[str] = []
    failures: list[str] = []
    stop = threading.Event()

    def load() -> None:
        client = cluster.client(*cluster.servers)
        while not stop.is_set():
            try:
                answered.append(client.by_nhs_number(JAMES.nhs, timeout=15).lookup_id)
            except grpc.RpcError as error:
                failures.append(f"{error.code()}: {error.details()}")
        client.close()

    threads = [threading.Thread(target=load) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(3)
    before_kill = len(answered)
    victim_host, victim = cluster.servers[0], cluster.processes[0]
    victim_host.kill(victim)
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(timeout=60)

    audited, verified = audit_lookup_ids(cluster.env, cluster.data_dirs)
    assert before_kill > 0 and len(answered) > before_kill
    assert [] == failures
    assert set() == set(answered) - audited
    assert verified.ok, verified.problems  # one chain from both hosts, its tail signed


VISITS = {"V9001": "2026-12-01", "V9002": "2026-12-02"}  # one attendance a day


def _attendances(cluster: Cluster, visit: str) -> int:
    """How many of JAMES's attendances on ``visit``'s day the live server shows."""
    counts = set()
    for host in cluster.servers[1:]:  # the first server was killed above
        client = cluster.client(host)
        answer = client.by_nhs_number(JAMES.nhs)
        client.close()
        counts.add(sum(1 for a in answer.attendances if a.date == VISITS[visit]))
    assert 1 == len(counts), counts
    return counts.pop()


def _publish_attendance(cluster: Cluster, root: Path, visit: str) -> None:
    path = root / f"{visit}.hl7"
    arrived = VISITS[visit].replace("-", "") + "0900"
    path.write_text(attendance(JAMES, visit, arrived), encoding="utf-8")
    settings = Settings.from_env({**cluster.env, "HUB_DATA_DIR": str(root)})
    with bootstrap(settings).event_publisher() as publisher:
        export = ADAPTERS["ae"].read(path)
        report = publisher.publish("ae", path, settings.topics.emergency_care, export)
    assert [] == report.rejected


def _wait_for(check: Any, timeout: float = 90) -> float:
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, "not seen in time"
        time.sleep(0.5)
    return time.monotonic() - started


def _lease_holder(cluster: Cluster) -> str | None:
    """The address of the worker host whose session holds the store's lease."""
    with psycopg.connect(cluster.env["HUB_DATABASE_URL"]) as connection:
        row = connection.execute(
            "SELECT host(client_addr) FROM pg_stat_activity"
            " WHERE application_name = 'hub-worker-lease'"
        ).fetchone()
    return None if row is None else str(row[0])


def test_two_worker_hosts_one_standby_takes_over_from_a_killed_one(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Workers on two hosts: one applies, and after its SIGKILL the other does, once each."""
    workers = [cluster.network.add_host("worker1"), cluster.network.add_host("worker2")]
    processes = []
    for number, host in enumerate(workers, 1):
        env = {**cluster.env, "HUB_DATA_DIR": str(tmp_path / f"worker{number}")}
        processes.append(host.popen(_hub("run"), env=env, cwd=REPO_ROOT))
        if number == 1:  # the first to start holds the lease
            _wait_for(lambda: _lease_holder(cluster) == workers[0].address)

    _publish_attendance(cluster, tmp_path, "V9001")
    _wait_for(lambda: _attendances(cluster, "V9001") == 1)
    workers[0].kill(processes[0])
    _publish_attendance(cluster, tmp_path, "V9002")
    took_over = _wait_for(lambda: _attendances(cluster, "V9002") == 1)
    print(f"standby ingested after the kill within {took_over:.1f} s")

    assert workers[1].address == _lease_holder(cluster)
    assert (1, 1) == (_attendances(cluster, "V9001"), _attendances(cluster, "V9002"))
    assert processes[1].poll() is None
