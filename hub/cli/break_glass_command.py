"""``hub breakglass request|review``: emergency access, and the IG lead's review of it.

The review goes through the policy's ``[calls.audit-trail]`` as the IG lead's other views
do; listing the queue is an ``audit-view`` record, closing a case a ``break-glass-review``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from hub.application.break_glass import (
    GRANT,
    OUTCOMES,
    BreakGlassRefusedError,
    close_review,
    open_reviews,
    request_access,
)
from hub.application.oversight import TrailRefusedError, admit, record_view
from hub.audit.trail import TrailFilter
from hub.bootstrap import System
from hub.cli.identifiers import identifier_key
from hub.cli.viewer import viewer, viewer_arguments
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient


def register(subparsers: Any) -> None:
    glass = subparsers.add_parser("breakglass", help="emergency access outside the normal rules")
    which = glass.add_subparsers(dest="breakglass", required=True)
    request = which.add_parser("request", help="ask for time-limited emergency access to a child")
    request.add_argument("child", help="NHS number, UPN or hub child id")
    request.add_argument("--as-role", required=True)
    request.add_argument("--recipient", required=True, help="who is asking")
    request.add_argument("--organisation", required=True)
    request.add_argument("--organisation-type", default="unknown")
    request.add_argument(
        "--reason-code", required=True, help="a code from the policy's [break_glass]"
    )
    request.add_argument("--reason", required=True, help="free text: why, now")
    request.set_defaults(func=run_request)

    review = which.add_parser("review", help="list open cases, or close one")
    review.add_argument("case_id", nargs="?")
    review.add_argument("--outcome", choices=OUTCOMES)
    review.add_argument("--notes", default="")
    review.add_argument("--json", action="store_true")
    viewer_arguments(review)
    review.set_defaults(func=run_review)


def run_request(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    audit = system.audit()
    try:
        child = app.find_child(identifier_key(args.child))
        recipient = Recipient(
            args.recipient, args.as_role, args.organisation, args.organisation_type, "break-glass"
        )
        grant = request_access(
            audit, system.policy(), recipient, str(child.id), args.reason_code, args.reason
        )
    except ChildNotFoundError:
        print(f"no record held for {args.child}")
        return 2
    except BreakGlassRefusedError as error:
        print(f"refused: {error} (the request is recorded)")
        return 1
    finally:
        audit.close()
        app.close()
    print(
        f"emergency access granted until {grant.granted_until} (case {grant.case_id}); "
        "this access is recorded and will be reviewed"
    )
    return 0


def run_review(args: argparse.Namespace, system: System) -> int:
    """The IG lead's review queue, through the policy's [calls.audit-trail]; each use audited."""
    reader = viewer(args)
    policy = system.policy()
    audit = system.audit()
    try:
        admit(policy, audit, reader)
        if args.case_id is None:
            cases = open_reviews(audit)
            shown = [
                record for record in audit.records(GRANT) if record.seq in {c["seq"] for c in cases}
            ]
            output = "json" if args.json else "text"
            record_view(policy, audit, reader, "breakglass-review", output, TrailFilter(), shown)
            if args.json:
                print(json.dumps(cases, indent=2))
            else:
                for case in cases:
                    who = case["recipient"]
                    print(
                        f"{case['case_id']}  {case['granted_at'][:19]}  {who['id']} "
                        f"({who['role']}, {who['organisation']}) child {case['child_id']}: "
                        f"{case['reason_code']}"
                    )
                print(f"{len(cases)} break-glass cases awaiting review")
            return 0
        if args.outcome is None:
            print("--outcome is required to close a case")
            return 2
        close_review(audit, args.case_id, args.outcome, reader.id, args.notes)
    except TrailRefusedError as error:
        print(f"refused: {error} (the refusal is recorded)")
        return 1
    except BreakGlassRefusedError as error:
        print(f"refused: {error}")
        return 2
    finally:
        audit.close()
    print(f"case {args.case_id} closed as {args.outcome}")
    return 0
