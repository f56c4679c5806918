"""The audit log's tamper tests on PostgreSQL: every attack an insider makes is still detected.

The attacks are those of ``tests/unit/test_audit_tamper.py`` (imported and run here),
made with the database's own SQL against a log, an event store and one-shot commands
that all live in PostgreSQL (``HUB_DATABASE_URL``), instead of against SQLite files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli.main import main
from tests.fixtures.audit_tables import AuditTables
from tests.unit.test_audit_tamper import (
    NHS,
    seeded_data_dir,
    test_a_recomputed_chain_with_the_contradicting_heads_deleted_is_detected,
    test_a_replaced_key_pair_is_refused_against_the_ig_leads_fingerprint,
    test_a_replaced_public_key_file_and_re_signed_log_is_refused,
    test_an_untouched_log_verifies_after_one_shot_commands,
    test_deleting_head_rows_is_detected,
    test_deleting_the_last_records_after_a_one_shot_command_is_detected,
    test_deleting_the_tail_with_its_heads_is_detected_by_the_witness,
    test_only_the_public_key_file_replaced_is_reported,
)

__all__ = [
    "test_a_recomputed_chain_with_the_contradicting_heads_deleted_is_detected",
    "test_a_replaced_key_pair_is_refused_against_the_ig_leads_fingerprint",
    "test_a_replaced_public_key_file_and_re_signed_log_is_refused",
    "test_an_untouched_log_verifies_after_one_shot_commands",
    "test_deleting_head_rows_is_detected",
    "test_deleting_the_last_records_after_a_one_shot_command_is_detected",
    "test_deleting_the_tail_with_its_heads_is_detected_by_the_witness",
    "test_only_the_public_key_file_replaced_is_reported",
]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, upgraded_database_url: str) -> Path:
    """One child on a plan in PostgreSQL; keys and the witness file stay on disk."""
    return seeded_data_dir(tmp_path, monkeypatch, upgraded_database_url)


@pytest.fixture
def tables(data_dir: Path, upgraded_database_url: str) -> AuditTables:
    """The audit log's tables in the test's database, as the attacker edits them."""
    return AuditTables(postgres_url=upgraded_database_url)


def test_the_attacked_log_is_the_one_in_postgres(
    data_dir: Path, tables: AuditTables, capsys: pytest.CaptureFixture[str]
) -> None:
    """A one-shot command's records land in the database, and no SQLite audit file exists."""
    assert 0 == main(["chronology", NHS])
    capsys.readouterr()
    assert 0 < tables.count()
    assert not (data_dir / "audit.sqlite").exists()
