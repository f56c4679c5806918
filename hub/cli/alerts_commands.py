"""``hub alerts ...``: raise and publish alerts, deliver them, list, acknowledge, escalate."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import grpc

from hub.alerts.proto import inbox_pb2, inbox_pb2_grpc
from hub.alerts.store import RAISED, Alert
from hub.bootstrap import System
from hub.cli.signals import stop_event_on_signals
from hub.domain.errors import HubError
from hub.lookup.client import ClientTls


def register(subparsers: Any) -> None:
    alerts = subparsers.add_parser("alerts", help="alerts to lead practitioners")
    which = alerts.add_subparsers(dest="alerts", required=True)

    run = which.add_parser("run", help="raise alerts from new chronology entries and publish them")
    run.add_argument("--until-idle", action="store_true", help="exit when caught up")
    run.add_argument("--now", help="judge deadlines as at this time (ISO)")
    run.add_argument(
        "--clock",
        choices=("wall", "event"),
        default="wall",
        help="deadlines by the wall clock (live service) or by event time (replays, demos)",
    )
    run.set_defaults(func=run_alerts)

    deliver = which.add_parser("deliver", help="deliver published alerts by email / webhook")
    deliver.add_argument("--until-idle", action="store_true")
    deliver.set_defaults(func=run_delivery)

    listing = which.add_parser("list", help="alerts raised, newest last (G1, G2)")
    listing.add_argument("--unacknowledged", action="store_true")
    listing.add_argument(
        "--unrouted",
        action="store_true",
        help="only alerts nobody could be found for (held for the hub duty operator), "
        "with the reasons",
    )
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(func=list_alerts)

    counts = which.add_parser("counts", help="alerts counted by rule, team or agency")
    counts.add_argument("--by", choices=("rule", "team", "agency"), default="rule")
    counts.set_defaults(func=count_alerts)

    ack = which.add_parser("ack", help="acknowledge an alert")
    ack.add_argument("alert_id")
    ack.add_argument("--by", default=os.environ.get("USER", "operator"))
    ack.set_defaults(func=ack_alert)

    escalate = which.add_parser("escalate", help="escalate unacknowledged alerts past deadline")
    escalate.add_argument("--now", help="event time to judge deadlines by (ISO)")
    escalate.set_defaults(func=escalate_alerts)

    undeliverable = which.add_parser("deliveries", help="what the delivery consumer did")
    undeliverable.set_defaults(func=list_deliveries)

    watch = which.add_parser("watch", help="stream your inbox (gRPC, your client certificate)")
    watch.add_argument("--as", dest="user", help="client certificate user (HUB_LOOKUP_USER)")
    watch.add_argument("--address", help="host:port (default HUB_LOOKUP_ADDRESS)")
    watch.add_argument("--pending-only", action="store_true", help="exit after what is waiting")
    watch.add_argument("--ack", action="store_true", help="acknowledge each alert as it arrives")
    watch.set_defaults(func=watch_inbox)


def _now(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def run_alerts(args: argparse.Namespace, system: System) -> int:
    try:
        parts = system.alerts(_now(args.now), args.clock)
    except HubError as error:
        print(error, file=sys.stderr)
        return 2
    publisher = system.alert_publisher(parts)
    passed_once = threading.Event()  # ready once a whole pass has read, raised and published
    metrics = system.alerts_metrics(parts, passed_once.is_set)
    stop = stop_event_on_signals()
    totals = {"raised": 0, "escalated": 0, "published": 0}
    last_escalation_check = 0.0
    try:
        while not stop.is_set():
            raised = parts.raiser.raise_pending() + parts.raiser.raise_access_notifications()
            escalated = 0
            if raised or time.monotonic() - last_escalation_check >= 1.0:
                escalated = len(parts.raiser.escalate_due())
                last_escalation_check = time.monotonic()
            published = publisher.publish_pending()
            passed_once.set()
            totals["raised"] += raised
            totals["escalated"] += escalated
            totals["published"] += published
            caught_up = parts.raiser.last_page_size == 0
            if not (raised or escalated or published) and caught_up:
                if args.until_idle:
                    break
                stop.wait(0.05)
    finally:
        if metrics is not None:
            metrics.stop()
        publisher.close()
        parts.close()
    print(json.dumps(totals))
    return 0


def run_delivery(args: argparse.Namespace, system: System) -> int:
    service = system.delivery()
    metrics = system.metrics("alerts-deliver", service.has_partitions)
    stop = stop_event_on_signals()
    try:
        stats = service.run(until_idle=args.until_idle, stop=stop)
    finally:
        if metrics is not None:
            metrics.stop()
        service.close()
    print(json.dumps(stats.as_dict()))
    return 0


def list_alerts(args: argparse.Namespace, system: System) -> int:
    parts = system.alerts()
    try:
        if args.unrouted:
            alerts = parts.store.unrouted_alerts()
        else:
            where = "state = ?" if args.unacknowledged else "TRUE"
            alerts = parts.store.select(where, (RAISED,) if args.unacknowledged else ())
        if args.unrouted and args.unacknowledged:
            alerts = [a for a in alerts if a.state == RAISED]
    finally:
        parts.close()
    if args.json:
        print(json.dumps([a.to_dict() for a in alerts], indent=2, default=str))
        return 0
    for a in alerts:
        print(_line(a))
        if args.unrouted:
            for item in a.routing.get("unresolved", []):
                print(f"    unresolved {item['kind']}: {item['reason']}")
    print(f"{len(alerts)} {'unrouted ' if args.unrouted else ''}alerts")
    return 0


def _line(a: Alert) -> str:
    """One alert: when raised, state, rule, to whom (and how routed), deadline, lateness."""
    to = a.recipient.email or a.recipient.organisation
    level = f" (escalation {a.escalation_level})" if a.escalation_level else ""
    route = a.routing.get("route", "allocated")
    via = "" if route == "allocated" else f" [{route}]"
    superseded = f" superseded by {a.superseded_by}" if a.superseded_by else ""
    late = int(a.routing.get("source_lateness_seconds", 0)) // 60
    lateness = f" source {late} min late" if late >= 60 and not a.escalation_level else ""
    return (
        f"{a.raised_at[:16]}  {a.state:<12} {a.urgency:<7} {a.rule_id:<34} -> "
        f"{a.recipient.kind} {to}{via}{level} due {a.ack_deadline[:16]}{lateness}  "
        f"{a.alert_id}{superseded}"
    )


def count_alerts(args: argparse.Namespace, system: System) -> int:
    parts = system.alerts()
    try:
        rows = parts.store.counts(args.by)
    finally:
        parts.close()
    for value, state, count in rows:
        print(f"{value:<40} {state:<13} {count:>6}")
    return 0


def ack_alert(args: argparse.Namespace, system: System) -> int:
    parts = system.alerts()
    try:
        alert = parts.raiser.acknowledge(args.alert_id, args.by)
    except KeyError:
        print(f"no alert {args.alert_id}", file=sys.stderr)
        return 1
    finally:
        parts.close()
    print(f"{alert.alert_id}: {alert.state} by {alert.acknowledged_by} at {alert.acknowledged_at}")
    return 0


def escalate_alerts(args: argparse.Namespace, system: System) -> int:
    parts = system.alerts(_now(args.now))
    try:
        escalations = parts.raiser.escalate_due()
    finally:
        parts.close()
    for e in escalations:
        print(f"escalated {e.escalates} -> {e.recipient.kind} {e.recipient.email} ({e.alert_id})")
    print(f"{len(escalations)} escalations")
    return 0


def list_deliveries(args: argparse.Namespace, system: System) -> int:
    ledger = system.delivery_ledger()
    for row in ledger.rows():
        print(
            f"{row['at'][:19]}  {row['channel']:<8} {row['status']:<20} "
            f"{row['attempts']} attempt(s)  {row['alert_id']}  {row['reason']}"
        )
    ledger.close()
    return 0


def watch_inbox(args: argparse.Namespace, system: System) -> int:
    settings = system.settings
    user = args.user or settings.lookup_user
    certs = settings.certs_dir
    tls = ClientTls(
        certs / "ca.pem", Path(certs / f"client-{user}.pem"), Path(certs / f"client-{user}.key")
    )
    address = args.address or settings.lookup_address
    channel = grpc.secure_channel(
        address, tls.credentials(), [("grpc.ssl_target_name_override", "localhost")]
    )
    stub: Any = inbox_pb2_grpc.AlertInboxStub(channel)
    try:
        for alert in stub.Watch(inbox_pb2.WatchRequest(pending_only=args.pending_only)):
            content = json.loads(alert.content_json)
            print(
                f"{alert.raised_at[:16]} [{alert.urgency}] {alert.headline} "
                f"(NHS {alert.nhs_number or '-'}; {content.get('disclosure')}) {alert.alert_id}",
                flush=True,
            )
            if args.ack:
                stub.Acknowledge(inbox_pb2.AcknowledgeRequest(alert_id=alert.alert_id))
    except grpc.RpcError as error:
        print(f"inbox: {error.code().name}: {error.details()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    finally:
        channel.close()
        time.sleep(0)
    return 0
