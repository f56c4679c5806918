"""Apply the schema's versioned SQL files in order, once each, recorded in ``schema_version``.

Each file ``versions/NNNN_name.sql`` is applied in one transaction with its row in
``schema_version``, so a failed file leaves nothing half done; an advisory lock keeps two
``hub db upgrade`` runs (or hosts) from applying the same file twice. The hub's stores on
PostgreSQL never create tables themselves: they check the version on opening
(``require_current``) and name the command to run.

Versioned files and one small runner rather than Alembic: the stores speak SQL through
psycopg, without SQLAlchemy, and each migration is plain SQL a database administrator
can read and apply.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources

from hub.postgres_db import QmarkConnection, advisory_key

MIGRATION_LOCK = advisory_key("hub/schema-migrations")
_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_CREATE_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
)


class SchemaNotCurrentError(RuntimeError):
    """The database's schema is older (or newer) than this hub's: run ``hub db upgrade``."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str = field(repr=False)


def migrations() -> list[Migration]:
    """Every versioned SQL file shipped with the hub, in version order."""
    found = []
    for entry in resources.files("hub.migrations").joinpath("versions").iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migration versions must run 1..n without gaps: {found}")
    return found


def head_version() -> int:
    """The version this hub's code needs."""
    return len(migrations())


def current_version(db: QmarkConnection) -> int:
    """The newest version applied to the database (0: none, or no schema_version table)."""
    table = db.execute("SELECT to_regclass('schema_version')").fetchone()
    if table is None or table[0] is None:
        return 0
    row = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def upgrade(url: str) -> list[Migration]:
    """Apply every migration the database lacks; the ones applied (none when current)."""
    db = QmarkConnection(url, application_name="hub db upgrade")
    applied: list[Migration] = []
    try:
        with db.session_lock(MIGRATION_LOCK):
            db.execute(_CREATE_VERSION_TABLE)
            done = current_version(db)
            for migration in migrations():
                if migration.version <= done:
                    continue
                with db.transaction():
                    db.raw.execute(migration.sql)
                    db.execute(
                        "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                        (migration.version, migration.name),
                    )
                applied.append(migration)
    finally:
        db.close()
    return applied


def require_current(db: QmarkConnection) -> None:
    """Refuse to use a database whose schema is not the one this code was written for."""
    found, needed = current_version(db), head_version()
    if found != needed:
        raise SchemaNotCurrentError(
            f"the PostgreSQL schema is at version {found}, this hub needs {needed}:"
            " run `hub db upgrade` (HUB_DATABASE_URL) first"
        )
