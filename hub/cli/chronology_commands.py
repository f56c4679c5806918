"""Operator read tools: ``hub chronology``, ``hub children``, ``hub deadletters``.

(Access control for these arrives with the information-sharing policy; for now
they are operator tools on the hub's own machine.)
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any

from hub.bootstrap import System
from hub.cli.identifiers import identifier_key
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient


def register(subparsers: Any) -> None:
    chronology = subparsers.add_parser(
        "chronology", help="a child's merged multi-agency chronology"
    )
    chronology.add_argument("child", help="NHS number, UPN, or hub child id")
    chronology.add_argument("--json", action="store_true", help="print JSON")
    chronology.add_argument(
        "--as-role", help="show what this role may see, through the sharing policy (audited)"
    )
    chronology.add_argument("--relationship", default="none", help="recipient's relationship")
    chronology.add_argument("--purpose", default="safeguarding", help="purpose of the disclosure")
    chronology.add_argument("--recipient", default="operator", help="recipient identity")
    chronology.add_argument("--organisation", default="hub", help="recipient organisation")
    chronology.add_argument(
        "--organisation-type", default="hub", help="recipient organisation type"
    )
    chronology.set_defaults(func=show_chronology)

    children = subparsers.add_parser("children", help="list children the hub holds")
    which = children.add_mutually_exclusive_group()
    which.add_argument("--on-plan", action="store_true", help="children on a CP plan")
    which.add_argument("--looked-after", action="store_true", help="looked-after children")
    which.add_argument(
        "--dual-plans", action="store_true", help="on a CP plan and looked after (C4)"
    )
    children.add_argument("--busiest", type=int, metavar="N", help="only the N with most entries")
    children.add_argument(
        "--seen-at-sites",
        type=int,
        metavar="N",
        help="only children who arrived at N or more different unscheduled-care sites (A4)",
    )
    children.add_argument("--json", action="store_true", help="print JSON")
    children.set_defaults(func=list_children)

    dead = subparsers.add_parser("deadletters", help="messages the hub could not use, with reasons")
    dead.add_argument("--bootstrap", help="Kafka bootstrap servers (default HUB_KAFKA_BOOTSTRAP)")
    dead.add_argument("--json", action="store_true", help="print JSON")
    dead.set_defaults(func=list_dead_letters)


def operator() -> Recipient:
    """The person at the hub's own command line, as the policy knows them."""
    return Recipient(f"operator:{getpass.getuser()}", "hub-operator", "hub", "hub", "none")


def show_chronology(args: argparse.Namespace, system: System) -> int:
    """Without --as-role: the operator's view, still through the policy and audited."""
    if args.as_role:
        return show_disclosed_chronology(args, system)
    app = system.application()
    try:
        child = app.find_child(identifier_key(args.child))
    except ChildNotFoundError:
        print(f"no record held for {args.child}")
        return 2
    audit = system.audit()
    try:
        service = system.disclosure(app, audit)
        view = service.chronology_for(operator(), "operations", str(child.id))
        summary = service.status_for(operator(), "operations", child)
    finally:
        audit.close()
    if args.json:
        print(
            json.dumps({**summary, "withheld": view.withheld, "chronology": view.entries}, indent=2)
        )
        return 0
    print(
        f"child {child.id}: {describe_status(summary)}; {len(view.entries)} entries shown, "
        f"{view.withheld} withheld"
    )
    for entry in view.entries:
        print(
            f"{str(entry['occurred_at'])[:16]}  {entry['agency']:<22} {entry.get('summary', '')}"
            f"  [{entry.get('source_reference', '')}]"
        )
    return 0


def describe_status(summary: dict[str, Any]) -> str:
    """Plan and looked-after status in words, from what the policy released."""
    if "on_plan" not in summary:
        return str(summary.get("status", "status withheld"))
    plan = summary.get("plan")
    status = "on a CP plan" if summary["on_plan"] else "not on a CP plan"
    if plan:
        category = plan.get("category") or "category not given"
        status += f" ({category}, since {plan['start_date']})"
    if summary["looked_after"]:
        status += "; looked after"
    if summary["dual_plans"]:
        status += "; DUAL PLANS"
    return f"{status}; {len(summary['siblings'])} linked siblings"


def show_disclosed_chronology(args: argparse.Namespace, system: System) -> int:
    """The chronology as the policy lets a recipient see it; every decision is audited."""
    recipient = Recipient(
        id=args.recipient,
        role=args.as_role,
        organisation=args.organisation,
        organisation_type=args.organisation_type,
        relationship=args.relationship,
    )
    app = system.application()
    audit = system.audit()
    try:
        service = system.disclosure(app, audit)
        view = service.chronology_for(recipient, args.purpose, identifier_key(args.child))
    finally:
        audit.close()
    if view.child_id is None:
        print(f"no record held for {args.child} (this does not mean there is no concern)")
        return 2
    if args.json:
        print(
            json.dumps(
                {
                    "child_id": str(view.child_id),
                    "policy_version": view.policy_version,
                    "withheld": view.withheld,
                    "entries": view.entries,
                },
                indent=2,
            )
        )
        return 0
    for entry in view.entries:
        print(
            f"{str(entry['occurred_at'])[:16]}  [{entry['disclosure']}] {entry['agency']:<22} "
            f"{entry.get('summary', '')}"
        )
    print(
        f"{len(view.entries)} entries shown, {view.withheld} withheld "
        f"(policy {view.policy_version})"
    )
    return 0


def list_children(args: argparse.Namespace, system: System) -> int:
    """Children the hub holds; each row is a disclosure to the operator, decided and audited."""
    app = system.application()
    audit = system.audit()
    service = system.disclosure(app, audit)
    rows = []
    for child_id in app.all_child_ids():
        child = app.get_child(child_id)
        if args.on_plan and not child.on_plan:
            continue
        if args.looked_after and not child.looked_after:
            continue
        if args.dual_plans and not child.dual_plans:
            continue
        if args.seen_at_sites and len(_arrival_sites(child)) < args.seen_at_sites:
            continue
        rows.append(service.status_for(operator(), "operations", child))
    audit.close()
    if args.busiest:
        rows = sorted(rows, key=lambda row: (-row.get("entries", 0), row["child_id"]))
        rows = rows[: args.busiest]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for row in rows:
            flags = [name for name in ("on_plan", "looked_after", "dual_plans") if row.get(name)]
            entries = row.get("entries", "-")
            shown = " ".join(flags) or row.get("status", "")
            print(f"{row['child_id']}  {entries:>4} entries  {shown}")
        print(f"{len(rows)} children")
    return 0


def _arrival_sites(child: Child) -> set[str]:
    return {
        str(entry.details.get("site_code"))
        for entry in child.entries
        if entry.kind == "unscheduled-care-arrival"
    }


def list_dead_letters(args: argparse.Namespace, system: System) -> int:
    letters = system.dead_letters(args.bootstrap)
    if args.json:
        print(json.dumps([letter.__dict__ for letter in letters], indent=2))
        return 0
    for letter in letters:
        print(
            f"{letter.failed_at[:19]}  {letter.original_topic}[{letter.original_partition}]@"
            f"{letter.original_offset}  {letter.reason}: {letter.detail}"
        )
    print(f"{len(letters)} dead letters")
    return 0
