"""``hub audit``, ``hub disclosures`` and ``hub sar``: the IG lead's view of the audit log.

``hub disclosures`` lists records of every kind (``--kind``, ``--refusals``); ``hub sar``
gathers everything about one child. Both go through the policy's ``[calls.audit-trail]``
as the IG lead (``--as-role``, default ig-lead) and each view is itself audited.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from hub.application.oversight import TrailRefusedError, admit, record_view
from hub.audit.fhir import audit_bundle
from hub.audit.kinds import GROUPS, KINDS, kinds_help
from hub.audit.trail import TrailFilter, describe, row, select, subject_access
from hub.bootstrap import System
from hub.cli import audit_log_commands
from hub.cli.export_commands import write_file
from hub.cli.identifiers import identifier_key
from hub.cli.viewer import viewer, viewer_arguments
from hub.domain.errors import ChildNotFoundError


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser("audit", help="the tamper-evident audit log")
    which = audit.add_subparsers(dest="audit", required=True)
    audit_log_commands.register(which)

    disclosures = subparsers.add_parser(
        "disclosures",
        help="every audit record: disclosures, refusals, alerts, deliveries, break glass, ...",
        epilog=kinds_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    disclosures.add_argument(
        "--kind",
        action="append",
        choices=sorted([*KINDS, *GROUPS]),
        metavar="KIND",
        help="only records of this kind or group (repeatable; listed below)",
    )
    disclosures.add_argument(
        "--refusals",
        action="store_true",
        help="only refusals: authentication, authorisation and policy",
    )
    disclosures.add_argument("--child", help="NHS number, UPN or hub child id")
    disclosures.add_argument("--recipient", help="recipient, caller or viewer id")
    disclosures.add_argument("--organisation", help="recipient or caller organisation")
    disclosures.add_argument("--decision", choices=["full", "minimised", "fact-only", "refuse"])
    disclosures.add_argument("--lawful-basis", help="lawful basis id from the policy")
    disclosures.add_argument("--since", help="ISO date-time, inclusive")
    disclosures.add_argument("--until", help="ISO date-time, exclusive")
    disclosures.add_argument("--json", action="store_true")
    disclosures.add_argument(
        "--fhir", action="store_true", help="print a FHIR Bundle of AuditEvents (IHE BALP)"
    )
    viewer_arguments(disclosures)
    disclosures.set_defaults(func=run_disclosures)

    sar = subparsers.add_parser(
        "sar",
        help="subject-access report: everything disclosed about one child, to whom, when, why; "
        "alerts and their deliveries included",
    )
    sar.add_argument("child", help="NHS number, UPN or hub child id")
    sar.add_argument("--json", action="store_true")
    viewer_arguments(sar)
    sar.add_argument(
        "--format",
        choices=["text", "pdf"],
        default="text",
        help="pdf: a signed Article 15 response",
    )
    sar.add_argument("-o", "--output", type=Path, help="the PDF to write (with --format pdf)")
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


def _kinds(chosen: list[str] | None) -> frozenset[str]:
    """Kind names for the kinds and groups chosen."""
    names: set[str] = set()
    for name in chosen or ():
        names |= {k.name for k in KINDS.values() if name in (k.name, k.group)}
    return frozenset(names)


def run_disclosures(args: argparse.Namespace, system: System) -> int:
    child_id = None
    if args.child is not None:
        try:
            child_id = _child_id(system, args.child)
        except ChildNotFoundError:
            print(f"no record held for {args.child}")
            return 2
    wanted = TrailFilter(
        kinds=_kinds(args.kind),
        child_id=child_id,
        recipient=args.recipient,
        organisation=args.organisation,
        decision=args.decision,
        lawful_basis=args.lawful_basis,
        since=args.since,
        until=args.until,
        refusals_only=args.refusals,
    )
    reader = viewer(args)
    policy = system.policy()
    log = system.audit()
    try:
        admit(policy, log, reader)
        kept = select(log.records(), wanted)
        output = "fhir" if args.fhir else "json" if args.json else "text"
        record_view(policy, log, reader, "disclosures", output, wanted, kept)
    except TrailRefusedError as error:
        print(f"refused: {error} (the refusal is recorded)")
        return 1
    finally:
        log.close()
    if args.fhir:
        print(json.dumps(audit_bundle(kept), indent=2))
        return 0
    if args.json:
        print(json.dumps([row(record) for record in kept], indent=2))
        return 0
    for record in kept:
        print(describe(record))
    print(f"{len(kept)} records")
    return 0


def run_sar(args: argparse.Namespace, system: System) -> int:
    if args.format == "pdf":
        return run_sar_pdf(args, system)
    try:
        child_id = _child_id(system, args.child)
    except ChildNotFoundError:
        print(f"no record held for {args.child}")
        return 2
    reader = viewer(args)
    policy = system.policy()
    log = system.audit()
    try:
        admit(policy, log, reader)
        records = log.records()
        report = subject_access(records, child_id)
        shown = [r for r in records if r.seq in _seqs(report)]
        wanted = TrailFilter(child_id=child_id)
        record_view(policy, log, reader, "sar", "json" if args.json else "text", wanted, shown)
    except TrailRefusedError as error:
        print(f"refused: {error} (the refusal is recorded)")
        return 1
    finally:
        log.close()
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(_sar_text(report))
    return 0


def _seqs(report: dict[str, Any]) -> set[int]:
    return {
        row["seq"]
        for part in ("disclosures", "alerts", "deliveries", "other")
        for row in report[part]
    }


def _sar_text(report: dict[str, Any]) -> str:
    lines = [
        f"Subject access report for child {report['child_id']}: "
        f"{len(report['disclosures'])} decisions, {len(report['alerts'])} alert records, "
        f"{len(report['deliveries'])} deliveries, {len(report['other'])} other records"
    ]
    lines.append("Decisions to share or not:")
    for line in report["disclosures"]:
        to = line["recipient"]
        basis = line["lawful_basis_text"] or f"refused: {line['reason']}"
        lines.append(
            f"  {line['recorded_at'][:19]}  {line['decision']:<9} {line['category']:<32} "
            f"to {to['id']} ({to['role']}, {to['organisation']}) for {line['purpose']}: {basis}"
        )
    lines.append("Alerts:")
    for line in report["alerts"]:
        to = line.get("recipient") or {}
        who = f" to {to['id']} ({to.get('role', '')}, {to.get('organisation', '')})" if to else ""
        basis = line.get("lawful_basis_text") or line.get("reason") or line.get("outcome") or ""
        lines.append(
            f"  {line['recorded_at'][:19]}  {line['kind']:<26} {line.get('rule_id', '')}{who}: "
            f"{basis}"
        )
    lines.append("Deliveries:")
    for line in report["deliveries"]:
        to = line.get("to") or {}
        whom = to.get("user") or to.get("email") or to.get("webhook") or "-"
        why = line.get("reason") or line.get("lawful_basis_text") or ""
        lines.append(
            f"  {line['recorded_at'][:19]}  {line['kind']:<26} alert {line['alert_id']} by "
            f"{line['channel']} to {whom}: {why}"
        )
    lines.append("Other records (access, break glass, identity, views):")
    for line in report["other"]:
        lines.append(f"  {line['recorded_at'][:19]}  {line['kind']:<26} {line.get('reason', '')}")
    return "\n".join(lines)


def run_sar_pdf(args: argparse.Namespace, system: System) -> int:
    """The Article 15 response as a signed PDF, disclosed under the subject-access rule."""
    if args.output is None:
        print("--format pdf needs -o FILE", file=sys.stderr)
        return 2
    recipient = viewer(args)
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
