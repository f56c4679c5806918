"""``hub db upgrade``: bring the PostgreSQL schema of the hub's shared stores up to date."""

from __future__ import annotations

import argparse
from typing import Any

from hub.bootstrap import System


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("db", help="the database schema (PostgreSQL)")
    commands = parser.add_subparsers(dest="db_command", required=True)
    upgrade = commands.add_parser(
        "upgrade", help="apply the schema migrations the database lacks (run again: no-op)"
    )
    upgrade.set_defaults(func=run_upgrade)


def run_upgrade(args: argparse.Namespace, system: System) -> int:
    applied = system.upgrade_database()
    if applied is None:
        print("SQLite (HUB_DATABASE_URL is not PostgreSQL): tables are created on first use")
    elif not applied:
        print("the PostgreSQL schema is up to date")
    for migration in applied or ():
        print(f"applied {migration.version:04d} {migration.name}")
    return 0
