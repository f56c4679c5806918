"""Who reads the audit trail at the command line, as the policy's ``[calls.audit-trail]`` knows."""

from __future__ import annotations

import argparse
import getpass

from hub.policy.engine import Recipient


def viewer_arguments(parser: argparse.ArgumentParser, role: str = "ig-lead") -> None:
    parser.add_argument(
        "--as-role", default=role, help="the viewer's role; the policy decides (audited)"
    )
    parser.add_argument("--viewer", help="the viewer's id (default <role>:<login name>)")
    parser.add_argument("--organisation-code", default="hub", help="the viewer's organisation")
    parser.add_argument("--organisation-type", default="hub", help="the viewer's organisation type")


def viewer(args: argparse.Namespace) -> Recipient:
    return Recipient(
        args.viewer or f"{_prefix(args.as_role)}:{getpass.getuser()}",
        args.as_role,
        args.organisation_code,
        args.organisation_type,
        "none",
    )


def _prefix(role: str) -> str:
    return "ig" if role == "ig-lead" else role
