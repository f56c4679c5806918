"""``hub audit``, ``hub disclosures`` and ``hub sar``: the IG lead's view of the audit log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hub.application.disclosure import subject_access_report
from hub.audit.fhir import audit_bundle
from hub.bootstrap import System
from hub.cli import audit_log_commands
from hub.cli.export_commands import write_file
from hub.cli.identifiers import identifier_key
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the tamper-evident audit log")
    which = audit.add_subparsers(dest="audit", required=True)
    audit_log_commands.register(which)

    disclosures = subparsers.add_parser("disclosures", help="disclosure and refusal records")
    disclosures.add_argument("--child", help="NHS number, UPN or hub child id")
    disclosures.add_argument("--recipient", help="recipient id")
    disclosures.add_argument("--organisation", help="recipient organisation")
    disclosures.add_argument("--decision", choices=["full", "minimised", "fact-only", "refuse"])
    disclosures.add_argument("--lawful-basis", help="lawful basis id from the policy")
    disclosures.add_argument("--since", help="ISO date-time, inclusive")
    disclosures.add_argument("--until", help="ISO date-time, exclusive")
    disclosures.add_argument("--json", action="store_true")
    disclosures.add_argument(
        "--fhir", action="store_true", help="print a FHIR Bundle of AuditEvents (IHE BALP)"
    )
    disclosures.set_defaults(func=run_disclosures)

    sar = subparsers.add_parser(
        "sar", help="subject-access report: everything disclosed about one child, to whom, why"
    )
    sar.add_argument("child", help="NHS number, UPN or hub child id")
    sar.add_argument("--json", action="store_true")
    sar.add_argument(
        "--format",
        choices=["text", "pdf"],
        default="text",
        help="pdf: a signed Article 15 response",
    )
    sar.add_argument("-o", "--output", type=Path, help="the PDF to write (with --format pdf)")
    sar.add_argument("--recipient", default="ig-lead", help="who prepares it (the IG lead)")
    sar.set_defaults(func=run_sar)


def _child_id(system: System, text: str) -> str:
    """The hub child id an operator means by ``text``, as ``hub sar`` resolves it.

    A hub child id is taken as it is (the audit log may name a child the store no
    longer answers for); an NHS number or UPN is looked up in the store.
    """
    key = identifier_key(text)
    if not key.startswith(("nhs/", "upn/")):
        return key
    app = system.application()
    try:
        return str(app.find_child(key).id)
    finally:
        app.close()


def run_disclosures(args: argparse.Namespace, system: System) -> int:
    child_id = None
    if args.child is not None:
        try:
            child_id = _child_id(system, args.child)
        except ChildNotFoundError:
            print(f"no record held for {args.child}")
            return 2
    log = system.audit()
    rows = []
    kept = []
    for record in log.records("disclosure"):
        payload = record.payload
        recipient = payload["recipient"]
        checks = [
            (child_id, payload["child_id"]),
            (args.recipient, recipient["id"]),
            (args.organisation, recipient["organisation"]),
            (args.decision, payload["decision"]),
            (args.lawful_basis, payload["lawful_basis"]),
        ]
        if any(wanted is not None and wanted != actual for wanted, actual in checks):
            continue
        if args.since and record.recorded_at < args.since:
            continue
        if args.until and record.recorded_at >= args.until:
            continue
        rows.append({"seq": record.seq, "recorded_at": record.recorded_at, **payload})
        kept.append(record)
    log.close()
    if args.fhir:
        print(json.dumps(audit_bundle(kept), indent=2))
        return 0
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        to = row["recipient"]
        who = f"{to['id']} ({to['role']}, {to['organisation']})"
        why = row["lawful_basis"] or row["reason"]
        print(
            f"{row['recorded_at'][:19]}  {row['decision']:<9} {row['category']:<32} to {who}: {why}"
        )
    print(f"{len(rows)} records")
    return 0


def run_sar(args: argparse.Namespace, system: System) -> int:
    if args.format == "pdf":
        return run_sar_pdf(args, system)
    app = system.application()
    log = system.audit()
    try:
        child = app.find_child(identifier_key(args.child))
    except ChildNotFoundError:
        print(f"no record held for {args.child}")
        return 2
    finally:
        app.close()
    report = subject_access_report(log, child.id)
    log.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"Subject access report for child {child.id}: {len(report['disclosures'])} decisions")
    for row in report["disclosures"]:
        to = row["recipient"]
        basis = row["lawful_basis_text"] or f"refused: {row['reason']}"
        print(
            f"{row['recorded_at'][:19]}  {row['decision']:<9} {row['category']:<32} "
            f"to {to['id']} ({to['role']}, {to['organisation']}) for {row['purpose']}: {basis}"
        )
    return 0


def run_sar_pdf(args: argparse.Namespace, system: System) -> int:
    """The Article 15 response as a signed PDF, disclosed under the subject-access rule."""
    if args.output is None:
        print("--format pdf needs -o FILE", file=sys.stderr)
        return 2
    recipient = Recipient(args.recipient, "ig-lead", "hub", "hub", "none")
    app = system.application()
    audit = system.audit()
    try:
        issued = system.documents(app, audit).subject_access_report(
            recipient, identifier_key(args.child)
        )
    except ChildNotFoundError:
        print(f"no record held for {args.child}")
        return 2
    finally:
        audit.close()
        app.close()
    write_file(args.output, issued.pdf)
    print(
        f"wrote {args.output}: subject access response, {issued.pages} pages, document "
        f"{issued.document_id}, SHA-256 {issued.sha256}"
    )
    return 0
