"""PostgreSQL fixtures for integration tests: the server, and a fresh database per test.

The server is the hub's private cluster, installed if missing and started by
``deploy/postgres/postgres.sh`` (stopped again at the end if this session started it).
Set ``HUB_TEST_DATABASE_URL`` to use another server instead; its role needs CREATEDB.
``tests/integration/conftest.py`` makes these fixtures available to every module.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from hub.config import REPO_ROOT
from hub.migrations.runner import upgrade

EXTERNAL_URL_ENV = "HUB_TEST_DATABASE_URL"
SCRIPT = REPO_ROOT / "deploy" / "postgres" / "postgres.sh"


def _script(command: str, *, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT), command], check=check, capture_output=True, text=True, timeout=600
    )


def with_database(url: str, dbname: str) -> str:
    """``url`` naming database ``dbname`` instead."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of a running PostgreSQL server whose role may create databases."""
    external = os.environ.get(EXTERNAL_URL_ENV)
    if external:
        yield external
        return
    was_running = _script("status", check=False).returncode == 0
    started = _script("start", check=False)
    assert 0 == started.returncode, started.stdout + started.stderr
    yield _script("url").stdout.strip()
    if not was_running:
        _script("stop")


@pytest.fixture
def database_url(postgres_server: str) -> Iterator[str]:
    """A freshly created, empty database for one test (dropped afterwards)."""
    dbname = f"hub_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    yield with_database(postgres_server, dbname)
    with psycopg.connect(postgres_server, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(dbname)))


@pytest.fixture
def upgraded_database_url(database_url: str) -> str:
    """A fresh database with the hub's schema applied (what ``hub db upgrade`` does)."""
    upgrade(database_url)
    return database_url
