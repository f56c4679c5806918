"""``hub web``: the practitioners' web console over HTTPS, with client certificates."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from hub.bootstrap import System
from hub.cli.signals import stop_event_on_signals
from hub.domain.errors import HubError
from hub.lookup.server import use_switch_interval


def register(subparsers: Any) -> None:
    web = subparsers.add_parser(
        "web", help="serve the practitioners' web console (HTTPS, client certificates)"
    )
    web.add_argument("--address", help="host:port (default HUB_WEB_ADDRESS)")
    web.set_defaults(func=run_web)


def run_web(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    if not (settings.certs_dir / "server.pem").exists():
        print(f"no server certificate in {settings.certs_dir} (hub certs init)", file=sys.stderr)
        return 2
    if not (settings.web_assets_dir / "govuk-frontend.min.css").exists():
        print(
            f"GOV.UK Frontend is not installed in {settings.web_assets_dir} (make setup)",
            file=sys.stderr,
        )
        return 2
    try:
        lookup = system.lookup()
    except HubError as error:
        print(error, file=sys.stderr)
        return 2
    alerts = system.alerts()
    parts = system.console_parts(lookup, alerts)
    server, port = system.web_server(parts, args.address)
    use_switch_interval()  # as hub serve: relay threads and pages share the GIL
    host = (args.address or settings.web_address).rpartition(":")[0]
    print(f"web console on https://{host}:{port}/", flush=True)
    stop = stop_event_on_signals()
    stop.wait()
    server.stop()
    alerts.close()
    lookup.close()
    return 0
