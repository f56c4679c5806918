"""``hub certs``, ``hub serve`` and ``hub lookup``: the A&E lookup service and its desk client."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from pathlib import Path
from typing import Any

import grpc

from hub.access.certs import (
    CertifiedIdentity,
    create_authority,
    issue_client,
    issue_server,
    write_bundle,
)
from hub.alerts.assembly import AlertParts
from hub.audit.witness_topic import HeadsRelay, heads_relay_path
from hub.bootstrap import System
from hub.cli.signals import stop_event_on_signals
from hub.domain.errors import HubError
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.lookup import desk
from hub.lookup.client import ClientTls, LookupClient
from hub.lookup.server import (
    SWITCH_INTERVAL_MS,
    LookupServer,
    freeze_startup_heap,
    use_switch_interval,
)
from hub.policy.model import ROLES
from hub.web.server import WebServer


def register(subparsers: Any) -> None:
    certs = subparsers.add_parser(
        "certs", help="a local CA and certificates for the lookup service"
    )
    which = certs.add_subparsers(dest="certs", required=True)
    init = which.add_parser("init", help="create the CA and the server certificate")
    init.add_argument("--dir", type=Path, help="default HUB_CERTS_DIR or <data dir>/certs")
    init.add_argument("--host", action="append", help="server host name/IP (repeatable)")
    init.set_defaults(func=certs_init)
    client = which.add_parser("client", help="issue a client certificate naming user, org, role")
    client.add_argument("user", help="the user the certificate names (CN)")
    client.add_argument("--organisation", required=True, help="organisation code (O)")
    client.add_argument("--role", required=True, choices=sorted(ROLES), help="role (OU)")
    client.add_argument("--dir", type=Path)
    client.set_defaults(func=certs_client)

    serve = subparsers.add_parser(
        "serve",
        help="run the A&E lookup service and alert inbox (gRPC, mutual TLS) and the web console",
    )
    serve.add_argument("--address", help="host:port (default HUB_LOOKUP_ADDRESS)")
    serve.add_argument("--workers", type=int, default=8, help="gRPC threads per process")
    serve.add_argument(
        "--processes",
        type=int,
        default=1,
        help="server processes sharing the port (SO_REUSEPORT): up to one per core",
    )
    serve.add_argument(
        "--switch-interval",
        type=float,
        default=SWITCH_INTERVAL_MS,
        help=f"GIL switch interval in ms (default {SWITCH_INTERVAL_MS:g}; Python's is 5)",
    )
    serve.add_argument(
        "--no-web", action="store_true", help="do not serve the web console (HUB_WEB_ADDRESS)"
    )
    serve.add_argument(
        "--no-relay",
        action="store_true",
        help="do not publish access notifications and audit heads to Kafka",
    )
    serve.set_defaults(func=run_serve)

    lookup = subparsers.add_parser("lookup", help="look a child up, as the A&E desk does")
    lookup.add_argument("--nhs", help="NHS number")
    lookup.add_argument("--name", help="given and family name, e.g. 'Amelia Hart'")
    lookup.add_argument("--dob", help="date of birth, YYYY-MM-DD")
    lookup.add_argument("--postcode")
    lookup.add_argument("--purpose", default="", help="direct-care (default) or safeguarding")
    lookup.add_argument("--as", dest="user", help="client certificate user (HUB_LOOKUP_USER)")
    lookup.add_argument(
        "--address", help="host:port, or several separated by commas (default HUB_LOOKUP_ADDRESS)"
    )
    lookup.add_argument(
        "--server-name",
        default="localhost",
        help="the name the servers' certificate carries (default localhost, as hub certs init)",
    )
    lookup.add_argument(
        "--json",
        action="store_true",
        help="print the answer as JSON (fields at their default are left out)",
    )
    lookup.set_defaults(func=run_lookup)


def _dir(args: argparse.Namespace, system: System) -> Path:
    return Path(args.dir) if args.dir else system.settings.certs_dir


def certs_init(args: argparse.Namespace, system: System) -> int:
    directory = _dir(args, system)
    if (directory / "ca.pem").exists():
        print(f"a CA already exists in {directory}; keeping it")
    else:
        create_authority(directory)
        print(f"created CA {directory / 'ca.pem'}")
    hosts = tuple(args.host or ("localhost", "127.0.0.1"))
    files = issue_server(directory, hosts)
    print(f"issued server certificate {files.certificate} for {', '.join(hosts)}")
    return 0


def certs_client(args: argparse.Namespace, system: System) -> int:
    identity = CertifiedIdentity(args.user, args.organisation, args.role)
    directory = _dir(args, system)
    files = issue_client(directory, identity)
    print(f"issued {files.certificate} ({args.role} at {args.organisation})")
    bundle, password_file = write_bundle(directory, args.user)
    print(f"browser bundle {bundle} (import it; its password is in {password_file.name})")
    return 0


def run_serve(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    try:
        # Also brings the lookup read model up to date; with several server processes
        # this one serves nothing itself (it relays access notifications).
        parts = system.lookup(follow=args.processes == 1)
    except HubError as error:
        print(error, file=sys.stderr)
        return 2
    address = args.address or settings.lookup_address
    use_switch_interval(args.switch_interval)
    alerts: AlertParts | None = None
    group: LookupProcesses | None = None
    server: LookupServer | None = None
    metrics = system.serve_metrics(args.processes)  # before the server processes start
    web: WebServer | None = None
    web_port: int | None = None
    if args.processes > 1:  # each server process serves gRPC and the console
        group = LookupProcesses(
            ServeOptions(
                settings,
                address,
                args.workers,
                switch_interval_ms=args.switch_interval,
                web_address=None if args.no_web else settings.web_address,
            ),
            args.processes,
        )
        port = group.start()
        web_port = group.web_port
    else:
        alerts = system.alerts()
        server, port = system.lookup_server(parts, address, workers=args.workers, inbox=alerts)
        if not args.no_web:
            web, web_port = system.web_server(system.console_parts(parts, alerts))
    if web_port is not None:
        print(f"web console on https://{settings.web_address.rpartition(':')[0]}:{web_port}/")
    freeze_startup_heap()
    stop = stop_event_on_signals()
    relays: list[Any] = []
    threads: list[threading.Thread] = []
    if not args.no_relay:  # one of each relay, in this process, whatever the number of servers
        relays.append(system.access_relay(parts.audit))
        relays.append(
            HeadsRelay(
                parts.audit,
                settings.kafka_bootstrap,
                heads_relay_path(settings),
                settings.topics.audit_heads,
            )
        )
        for relay in relays:
            threads.append(threading.Thread(target=relay.run, args=(stop,), name="relay"))
            threads[-1].start()

    processes = f" ({args.processes} processes)" if group is not None else ""
    print(f"lookup service on {address.rpartition(':')[0]}:{port}{processes}", flush=True)
    stop.wait()
    if web is not None:
        web.stop()
    if group is not None:
        group.stop()
    if server is not None:
        server.stop()
    for thread in threads:
        thread.join()
    for relay in relays:
        relay.close()
    if alerts is not None:
        alerts.close()
    if metrics is not None:
        metrics.stop()
    parts.close()
    return 0


def run_lookup(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    user = args.user or settings.lookup_user
    certs = settings.certs_dir
    tls = ClientTls(certs / "ca.pem", certs / f"client-{user}.pem", certs / f"client-{user}.key")
    if tls.certificate is None or not tls.certificate.exists():
        print(f"no client certificate for {user} in {certs} (hub certs client)", file=sys.stderr)
        return 2
    client = LookupClient(args.address or settings.lookup_address, tls, args.server_name)
    try:
        if args.nhs:
            response = client.by_nhs_number(args.nhs, args.purpose)
        elif args.name and args.dob and args.postcode:
            given, _, family = args.name.strip().rpartition(" ")
            response = client.by_demographics(given, family, args.dob, args.postcode, args.purpose)
        else:
            print("give --nhs, or --name, --dob and --postcode", file=sys.stderr)
            return 2
    except grpc.RpcError as error:
        print(f"refused: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.json:
        print(json.dumps(desk.as_dict(response), indent=2))
    else:
        print(desk.render(response))
    return 0
