"""The ``hub`` command: one sub-command module per area, registered here."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from hub.logging_setup import configure_logging

# Each module exposes ``register(subparsers)`` and sets ``func`` on its parsers.
COMMAND_MODULES = (
    "hub.cli.kafka_commands",
    "hub.cli.generate_command",
    "hub.cli.publish_command",
    "hub.cli.listen_command",
    "hub.cli.topics_command",
    "hub.cli.run_command",
    "hub.cli.chronology_commands",
    "hub.cli.identity_commands",
    "hub.cli.bench_command",
    "hub.cli.reference_command",
    "hub.cli.audit_command",
    "hub.cli.break_glass_command",
    "hub.cli.policy_command",
    "hub.cli.lookup_commands",
    "hub.cli.alerts_commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hub", description="Inter-agency safeguarding information-sharing hub."
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
