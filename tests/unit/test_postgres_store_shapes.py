"""The PostgreSQL stores keep their SQLite counterparts' shape, and migrations stay in order.

``PostgresAuditLog`` subclasses ``AuditLog`` only so that every service takes it; it must
override every public method, or a method added to the SQLite log would run SQLite code
on a PostgreSQL log. These checks need no database.
"""

from __future__ import annotations

from hub.alerts.pg_store import PostgresAlertStore
from hub.alerts.store import AlertStore
from hub.audit.chain import AuditLog
from hub.audit.pg_log import PostgresAuditLog
from hub.migrations.runner import head_version, migrations
from hub.postgres_db import advisory_key, is_postgres_url


def test_the_postgres_audit_log_overrides_every_public_member_of_the_sqlite_log() -> None:
    """No public method or property of AuditLog is inherited by the PostgreSQL log."""
    public = {name for name in vars(AuditLog) if not name.startswith("_")}
    assert set() == public - set(vars(PostgresAuditLog))


def test_the_postgres_alert_store_replaces_only_the_connection_and_transactions() -> None:
    """Every query of the alert store is shared; only opening, closing and locking differ."""
    assert {"__init__", "close", "_transaction"} == {
        name for name in vars(PostgresAlertStore) if callable(getattr(AlertStore, name, None))
    }


def test_migrations_are_numbered_from_one_without_gaps() -> None:
    """Versions 1..n, each a file of SQL; the head is the last."""
    found = migrations()
    assert list(range(1, len(found) + 1)) == [migration.version for migration in found]
    assert len(found) == head_version()
    assert all("CREATE" in migration.sql for migration in found)


def test_postgres_urls_are_told_from_sqlite_ones() -> None:
    """Both URL schemes PostgreSQL accepts; SQLite paths and nothing are not PostgreSQL."""
    assert is_postgres_url("postgresql://hub@db:5432/hub")
    assert is_postgres_url("postgres://hub@db/hub")
    assert not is_postgres_url("sqlite:///data/hub.sqlite")
    assert not is_postgres_url(None)


def test_advisory_lock_keys_are_stable_and_distinct() -> None:
    """The same name gives the same key in every process; different names differ."""
    assert advisory_key("hub/audit-log/append") == advisory_key("hub/audit-log/append")
    assert advisory_key("hub/audit-log/append") != advisory_key("hub/alert-store/write")
    assert -(2**63) <= advisory_key("x") < 2**63
