"""``hub identity queue|link|new|doubts|settle|unlink``: identity decisions a person makes.

Each decision, made or refused, is an ``identity-decision`` audit record (who, what,
about which child and case, and the reason given), which the IG lead sees in
``hub disclosures`` and the child's ``hub sar``.
"""

from __future__ import annotations

import argparse
import getpass
import json
from typing import Any
from uuid import UUID

from hub.application.disclosure import disclosure_record
from hub.application.identity_queue import disclosed_queue
from hub.bootstrap import System
from hub.cli.chronology_commands import operator
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import HubError
from hub.policy.engine import decide
from hub.policy.model import ChildFacts, Disclosure


def register(subparsers: Any) -> None:
    identity = subparsers.add_parser(
        "identity", help="records waiting for a person to resolve identity"
    )
    commands = identity.add_subparsers(dest="identity_command", required=True)

    queue = commands.add_parser("queue", help="list open cases")
    queue.add_argument("--json", action="store_true")
    queue.set_defaults(func=show_queue)

    link = commands.add_parser("link", help="the held record belongs to this child")
    link.add_argument("case_id", type=UUID)
    link.add_argument("child_id", type=UUID)
    link.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    link.set_defaults(func=link_case)

    new = commands.add_parser("new", help="the held record is a child the hub does not know yet")
    new.add_argument("case_id", type=UUID)
    new.add_argument("--reason", required=True)
    new.set_defaults(func=new_child)

    doubts = commands.add_parser(
        "doubts",
        help="links made on demographics alone to a child since found to have a twin",
    )
    doubts.add_argument("--json", action="store_true")
    doubts.set_defaults(func=show_doubts)

    settle = commands.add_parser(
        "settle", help="the child's doubted links were checked: keep those still linked"
    )
    settle.add_argument("child_id", type=UUID)
    settle.add_argument("--reason", required=True, help="why (recorded in the audit trail)")
    settle.set_defaults(func=settle_doubts)

    unlink = commands.add_parser("unlink", help="undo a wrong identifier link")
    unlink.add_argument("child_id", type=UUID)
    unlink.add_argument(
        "identifier", help="identifier key, e.g. upn/A123456789012 or local/POLICE/WYP/P-1"
    )
    unlink.add_argument("--reason", required=True)
    unlink.set_defaults(func=unlink_identifier)


def _who() -> str:
    return f"operator:{getpass.getuser()}"


def show_queue(args: argparse.Namespace, system: System) -> int:
    """Open cases, each candidate child decided by the policy and audited.

    Naming a candidate is a disclosure about that child (kind ``identity-case``).
    """
    audit = system.audit()
    try:
        cases = disclosed_queue(system.application(), system.policy(), audit, operator())
    finally:
        audit.close()
    rows = [case.as_dict() for case in cases]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        candidates = (
            ", ".join(f"{c['child_id']} ({c['strength']})" for c in row["candidates"]) or "none"
        )
        print(f"{row['case_id']}  {row['agency']:<22} {row['reason']}; candidates: {candidates}")
    print(f"{len(rows)} open identity cases")
    return 0


def show_doubts(args: argparse.Namespace, system: System) -> int:
    """Children whose links made on demographics alone must be checked, through the policy.

    Each child listed is a disclosure about that child (kind ``identity-doubt``), decided
    and audited like a candidate in the queue; a refused child is counted, not named.
    """
    app = system.application()
    policy = system.policy()
    audit = system.audit()
    recipient = operator()
    rows: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    withheld = 0
    for child in app.doubted_children():
        entry = ChronologyEntry.from_hub(
            f"identity-doubt/{child.id}", "identity-doubt", source_reference=str(child.id)
        )
        decision = decide(policy, recipient, "operations", entry, ChildFacts())
        records.append(
            disclosure_record(
                policy, recipient, "operations", child.id, entry.event_id, entry.kind, [], decision
            )
        )
        if decision.disclose is Disclosure.REFUSE:
            withheld += 1
            continue
        for doubt in child.identity_doubts():
            rows.append(
                {
                    "child_id": str(child.id),
                    "born_with": doubt["born_with"],
                    "reason": doubt["reason"],
                    "links": doubt["links"],
                }
            )
    if records:
        audit.append("disclosure", records)
    audit.close()
    if args.json:
        print(json.dumps({"doubts": rows, "withheld_children": withheld}, indent=2))
        return 0
    for row in rows:
        print(f"{row['child_id']}  born with {row['born_with']}: {row['reason']}")
        for key, entries in row["links"].items():
            print(f"    {key or '(record with no identifier)'}: {len(entries)} entries")
    refused = f"; {withheld} withheld by the policy" if withheld else ""
    print(f"{len(rows)} identity doubts{refused}")
    return 0


def _record(system: System, decision: str, outcome: str, **fields: Any) -> None:
    """An ``identity-decision`` audit record: what a person decided, about whom, and why."""
    audit = system.audit()
    try:
        payload = {"decision": decision, "outcome": outcome, "by": _who(), **fields}
        audit.append("identity-decision", [{k: v for k, v in payload.items() if v is not None}])
    finally:
        audit.close()


def settle_doubts(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    try:
        child = app.settle_identity_doubts(args.child_id, _who(), args.reason)
    except HubError as error:
        _record(
            system,
            "settle-doubts",
            "refused",
            child_id=str(args.child_id),
            reason=args.reason,
            refusal=f"{type(error).__name__}: {error}",
        )
        print(f"refused: {type(error).__name__}: {error}")
        return 2
    _record(system, "settle-doubts", "done", child_id=str(child.id), reason=args.reason)
    print(f"child {child.id}: identity doubts settled; links still held are kept")
    return 0


def link_case(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    try:
        child = app.link_case(args.case_id, args.child_id, _who(), args.reason)
    except HubError as error:
        _record(
            system,
            "link-case",
            "refused",
            case_id=str(args.case_id),
            child_id=str(args.child_id),
            reason=args.reason,
            refusal=f"{type(error).__name__}: {error}",
        )
        print(f"refused: {type(error).__name__}: {error}")
        return 2
    _record(
        system,
        "link-case",
        "done",
        case_id=str(args.case_id),
        child_id=str(child.id),
        reason=args.reason,
    )
    print(f"linked case {args.case_id} to child {child.id}")
    return 0


def new_child(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    try:
        child = app.new_child_for_case(args.case_id, _who(), args.reason)
    except HubError as error:
        _record(
            system,
            "new-child",
            "refused",
            case_id=str(args.case_id),
            reason=args.reason,
            refusal=f"{type(error).__name__}: {error}",
        )
        print(f"refused: {type(error).__name__}: {error}")
        return 2
    _record(
        system,
        "new-child",
        "done",
        case_id=str(args.case_id),
        child_id=str(child.id),
        reason=args.reason,
    )
    print(f"case {args.case_id}: new child {child.id}")
    return 0


def unlink_identifier(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    try:
        withdrawn = app.unlink_identifier(args.child_id, args.identifier, _who(), args.reason)
    except HubError as error:
        _record(
            system,
            "unlink",
            "refused",
            child_id=str(args.child_id),
            identifier=args.identifier,
            reason=args.reason,
            refusal=f"{type(error).__name__}: {error}",
        )
        print(f"refused: {type(error).__name__}: {error}")
        return 2
    _record(
        system,
        "unlink",
        "done",
        child_id=str(args.child_id),
        identifier=args.identifier,
        reason=args.reason,
        entries_withdrawn=len(withdrawn),
    )
    print(f"unlinked {args.identifier} from {args.child_id}; {len(withdrawn)} entries withdrawn")
    return 0
