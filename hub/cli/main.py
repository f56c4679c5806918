"""The ``hub`` command: one sub-command module per area, registered here.

The settings are read once, here; every command is called with the parsed
arguments and the ``System`` that ``hub.bootstrap`` builds from them, and
asks it for whatever it runs. A setting that cannot be used stops the
command before it starts, with the variable named.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from hub.bootstrap import bootstrap
from hub.config import Settings, SettingsError
from hub.logging_setup import configure_logging

# Each module exposes ``register(subparsers)`` and sets ``func(args, system)`` on its parsers.
COMMAND_MODULES = (
    "hub.cli.kafka_commands",
    "hub.cli.generate_command",
    "hub.cli.publish_command",
    "hub.cli.listen_command",
    "hub.cli.topics_command",
    "hub.cli.run_command",
    "hub.cli.chronology_commands",
    "hub.cli.export_commands",
    "hub.cli.identity_commands",
    "hub.cli.bench_command",
    "hub.cli.reference_command",
    "hub.cli.audit_command",
    "hub.cli.break_glass_command",
    "hub.cli.policy_command",
    "hub.cli.lookup_commands",
    "hub.cli.alerts_commands",
    "hub.cli.web_command",
    "hub.cli.mi_command",
    "hub.cli.db_command",
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
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        print(f"hub: {error}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, settings.log_format)
    args = build_parser().parse_args(argv)
    result: int = args.func(args, bootstrap(settings))
    return result
