"""``hub publish <agency> <file>``: run an agency adapter and publish to its topic."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from adapters.registry import ADAPTERS
from hub.bootstrap import System


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "publish",
        help="read an agency's native export and publish its events to Kafka",
        description="Bad records are reported with file, line, field and reason; good records "
        "in the same file are still published. The summary (or --json report) goes to "
        "stdout and each rejected record's reason to stderr, so `2>rejects.txt` keeps them "
        "apart; so does each notice (an unknown column or field, a label the policy does not "
        "define: the record is published, the notice says where). Exit status 1 if any "
        "record was rejected or any notice reported.",
    )
    parser.add_argument("agency", choices=sorted(ADAPTERS), help="which agency's adapter to run")
    parser.add_argument(
        "files", nargs="+", type=Path, help="export file(s) in that agency's format"
    )
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    parser.add_argument(
        "--rejects", type=Path, help="also write rejected records as JSON lines here"
    )
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, system: System) -> int:
    adapter = ADAPTERS[args.agency]
    topic = system.settings.topics.named(adapter.topic)
    reports = []
    with system.event_publisher(args.bootstrap) as publisher:
        for path in args.files:
            export = adapter.read(path, zone=system.settings.ae_time_zone)
            reports.append(publisher.publish(adapter.name, path, topic, export))
    rejected = [r for report in reports for r in report.rejected]
    notices = [n for report in reports for n in report.notices]
    if args.rejects:
        with args.rejects.open("a", encoding="utf-8") as handle:
            for record in rejected:
                handle.write(json.dumps(record.to_dict()) + "\n")
    if args.json:
        print(json.dumps([report.to_dict() for report in reports], indent=2))
    else:
        for report in reports:
            skipped = sum(report.not_published.values())
            not_events = f", {skipped} not published (see --json)" if skipped else ""
            print(
                f"{report.agency}: {report.file} -> {report.topic}: {report.published} published, "
                f"{report.already_published} already published{not_events}, "
                f"{len(report.rejected)} rejected"
                + (f", {len(report.notices)} notices" if report.notices else "")
            )
    for record in rejected:
        print(f"rejected: {record.describe()}", file=sys.stderr)
    for notice in notices:
        print(f"notice: {notice.describe()}", file=sys.stderr)
    return 1 if rejected or notices else 0
