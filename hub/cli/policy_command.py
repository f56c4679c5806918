"""``hub policy check``: load the sharing policy and say what it contains, or why it is refused."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from hub.bootstrap import System
from hub.policy.loader import PolicyError, load_policy


def register(subparsers: Any) -> None:
    policy = subparsers.add_parser("policy", help="the information-sharing policy")
    which = policy.add_subparsers(dest="policy", required=True)
    check = which.add_parser("check", help="validate a policy file (default: HUB_POLICY_FILE)")
    check.add_argument("file", nargs="?", type=Path)
    check.set_defaults(func=run_check)


def run_check(args: argparse.Namespace, system: System) -> int:
    try:
        policy = load_policy(args.file or system.settings.policy_file)
    except PolicyError as error:
        print(f"policy refused: {error}")
        return 1
    print(
        f"policy {policy.version}: {len(policy.rules)} rules, "
        f"{len(policy.labels)} sensitivity labels, {len(policy.lawful_bases)} lawful bases"
    )
    for rule in policy.rules:
        print(f"  {rule.id}: {rule.disclose.value} ({rule.lawful_basis})")
    for name, label in sorted(policy.labels.items()):
        withholds = "the whole entry" if label.withholds_entry else ", ".join(sorted(label.fields))
        allowed = ", ".join(sorted(label.allowed_roles))
        print(f"  label {name}: withholds {withholds} from all but {allowed}")
    return 0
