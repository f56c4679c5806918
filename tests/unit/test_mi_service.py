"""The door of management information: the policy decides, every run and refusal is audited."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.alerts.store import AlertStore
from hub.bootstrap import System, bootstrap
from hub.cli.main import main
from hub.config import Settings
from hub.mi.period import Period
from hub.mi.service import MiRefusedError, MiRequest
from hub.policy.engine import Recipient
from tests.fixtures.mi_world import LONDON, alert

MANAGER = Recipient("manager-1", "safeguarding-manager", "991", "local-authority", "none")
GP = Recipient("dr-a", "gp", "B86001", "gp-practice", "none")
WEEK = Period(date(2026, 11, 23), date(2026, 11, 29), LONDON)


@pytest.fixture
def system(tmp_path: Path) -> Iterator[System]:
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    store = AlertStore(settings.alert_store_path)
    store.add([alert("a1", "2026-11-24T10:00:00+00:00", "2026-11-24T14:00:00+00:00")])
    store.close()
    yield bootstrap(settings, in_memory=True, clock=lambda: datetime(2026, 12, 4, tzinfo=UTC))


def test_a_manager_runs_a_report_and_the_run_is_audited(system: System) -> None:
    """The figures come back and an mi-report record says who ran what, and if complete."""
    audit = system.audit()
    report = system.mi(system.application(), audit).run(MANAGER, MiRequest("alerts", WEEK))
    [record] = [r.payload for r in audit.records("mi-report")]
    assert (1, "mi:alerts", False) == (
        report.table("alerts-by-rule").rows[-1][1],
        record["view"],
        record["complete"],
    )
    assert {"from": "2026-11-23", "to": "2026-11-29"} == record["period"]
    assert "POLICE" in record["late_or_silent"]


def test_a_role_the_policy_does_not_name_is_refused_and_the_refusal_audited(
    system: System,
) -> None:
    """A GP may not run management information: refused, access-refused recorded, no report."""
    audit = system.audit()
    with pytest.raises(MiRefusedError, match="gp may not make management-information calls"):
        system.mi(system.application(), audit).run(GP, MiRequest("alerts", WEEK))
    [refused] = [r.payload for r in audit.records("access-refused")]
    assert ("management-information", []) == (refused["call"], audit.records("mi-report"))


def test_the_same_past_period_gives_the_same_figures_when_run_later(tmp_path: Path) -> None:
    """Reproducible: runs a month apart record the same SHA-256 of the figures."""
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    store = AlertStore(settings.alert_store_path)
    store.add([alert("a1", "2026-11-24T10:00:00+00:00", "2026-11-24T14:00:00+00:00")])
    store.close()
    hashes = []
    for when in (datetime(2026, 12, 4, tzinfo=UTC), datetime(2027, 1, 4, tzinfo=UTC)):
        system = bootstrap(settings, in_memory=True, clock=functools.partial(_fixed, when))
        audit = system.audit()
        system.mi(system.application(), audit).run(MANAGER, MiRequest("all", WEEK))
        hashes.append(audit.records("mi-report")[-1].payload["figures_sha256"])
        audit.close()
    assert hashes[0] == hashes[1]


def _fixed(when: datetime) -> datetime:
    return when


def test_the_command_prints_the_completeness_head_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub mi completeness`: the period, then INCOMPLETE and each silent agency, then the table."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    assert 0 == main(["mi", "completeness", "--from", "2026-11-23", "--to", "2026-11-29"])
    lines = capsys.readouterr().out.splitlines()
    assert "2026-11-23 to 2026-11-29" in lines[0] and lines[1].startswith("INCOMPLETE")
    assert "- POLICE: silent (daily expected; no record ever)" in lines


def test_the_command_refuses_a_role_the_policy_does_not_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--as-role gp: refused, exit status 1, nothing printed on stdout."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    assert 1 == main(["mi", "alerts", "--as-role", "gp", "--organisation-type", "gp-practice"])
    captured = capsys.readouterr()
    assert ("", True) == (captured.out, "refused: role gp" in captured.err)
