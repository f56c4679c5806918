"""The IG lead's reading of the trail: any kind selected, refusals by sort, a child's report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.audit.records import AuditRecord
from hub.audit.trail import TrailFilter, describe, select, subject_access
from hub.bootstrap import bootstrap
from hub.cli.main import main
from hub.config import Settings
from tests.fixtures.audit_records import ALERT, CHILD, EXAMPLES, example_records

RECORDS = example_records()


def test_kinds_select_only_those_kinds() -> None:
    """A filter of two kinds keeps records of those two kinds only."""
    chosen = select(RECORDS, TrailFilter(kinds=frozenset({"alert-delivered", "break-glass"})))
    assert ["alert-delivered", "break-glass"] == [r.kind for r in chosen]


def test_refusals_are_of_every_sort() -> None:
    """Refusals: the TLS refusal (authentication), break glass refused, policy refusals."""
    chosen = select(RECORDS, TrailFilter(refusals_only=True))
    assert ["access-refused", "alert-refused", "break-glass-refused"] == [r.kind for r in chosen]


def test_recipient_filter_finds_deliveries_and_views_by_who() -> None:
    """--recipient matches whoever a record is about: a delivery's address, a viewer's id."""
    assert ["alert-delivered"] == [
        r.kind for r in select(RECORDS, TrailFilter(recipient="duty@leeds.example"))
    ]
    by_ig_lead = select(RECORDS, TrailFilter(recipient="ig:lead"))
    assert ["break-glass-review", "audit-view"] == [r.kind for r in by_ig_lead]


def test_every_kind_has_a_one_line_description() -> None:
    """Each record describes itself on one line naming its kind."""
    for record in RECORDS:
        line = describe(record)
        assert "\n" not in line
        assert record.kind in line


def test_a_tls_refusal_line_names_the_certificate_presented() -> None:
    """The text view of a refused handshake shows subject, issuer, serial and fingerprint."""
    [refused] = [r for r in RECORDS if r.kind == "access-refused"]
    line = describe(refused)
    assert "issuer CN=Another CA" in line and "serial 5d1f" in line and "ab" * 32 in line


def test_subject_access_joins_deliveries_alerts_and_cases_to_the_child() -> None:
    """Alerts, deliveries and the break-glass review (by its case) are in the child's report."""
    written_before = {"alert_id": ALERT, "channel": "inbox"}  # names the alert, not the child
    inbox = AuditRecord(99, "2026-12-04T11:00:00+00:00", "alert-delivered", written_before, "", "")
    report = subject_access([*RECORDS, inbox], CHILD)
    assert {"alert-raised", "alert-escalated", "alert-acknowledged"} <= {
        row["kind"] for row in report["alerts"]
    }
    deliveries = {(row["channel"], row["kind"]) for row in report["deliveries"]}
    assert {("email", "alert-delivered"), ("webhook", "alert-delivery-failed")} <= deliveries
    assert ("inbox", "alert-delivered") in deliveries
    [inbox_row] = [row for row in report["deliveries"] if row["channel"] == "inbox"]
    assert "safeguarding" == inbox_row["lawful_basis"]
    assert "break-glass-review" in {row["kind"] for row in report["other"]}
    assert "alert-superseded" not in {row["kind"] for row in report["alerts"]}  # names no child
    assert 1 == len(report["disclosures"])


def test_a_record_about_another_child_stays_out_of_the_report() -> None:
    """Only records about the child (or joined to them) are in its report."""
    report = subject_access(RECORDS, "another-child")
    parts = ("disclosures", "alerts", "deliveries", "other")
    assert [] == [row for part in parts for row in report[part]]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory whose audit log holds one record of every kind."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    log = bootstrap(Settings.from_env()).audit()
    for kind, payload in EXAMPLES.items():
        log.append(kind, [payload])
    log.close()
    yield tmp_path


def test_disclosures_lists_every_kind_and_the_view_is_audited(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub disclosures --json` shows a record of each kind; the next view shows that view."""
    assert 0 == main(["disclosures", "--json"])
    kinds = [row["kind"] for row in json.loads(capsys.readouterr().out)]
    assert list(EXAMPLES) == kinds
    assert 0 == main(["disclosures", "--kind", "oversight", "--json"])
    [*_, view] = json.loads(capsys.readouterr().out)
    assert ("disclosures", "ig-lead", len(EXAMPLES)) == (
        view["view"],
        view["viewer"]["role"],
        view["records"],
    )


def test_a_role_the_policy_does_not_let_read_the_trail_is_refused_and_recorded(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GP asking for the trail is refused; the refusal is an access-refused record."""
    assert 1 == main(["disclosures", "--as-role", "gp", "--organisation-type", "gp-practice"])
    assert "refused: role gp may not make audit-trail calls" in capsys.readouterr().out
    assert 1 == main(["sar", CHILD, "--as-role", "ig-lead", "--organisation-type", "school"])
    capsys.readouterr()
    assert 0 == main(["disclosures", "--kind", "access-refused", "--json"])
    refusals = json.loads(capsys.readouterr().out)
    assert ["tls-handshake", "audit-trail", "audit-trail"] == [r["call"] for r in refusals]
    assert "authorisation" == refusals[-1]["refusal_type"]


def test_sar_of_a_child_lists_alerts_and_deliveries_and_is_audited(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub sar` shows the child's alerts and deliveries; the view about the child is recorded."""
    assert 0 == main(["sar", CHILD])
    text = capsys.readouterr().out
    assert "alert-delivery-failed" in text and "duty@leeds.example" in text
    assert 0 == main(["sar", CHILD, "--json"])
    report = json.loads(capsys.readouterr().out)
    views = [row for row in report["other"] if row["kind"] == "audit-view"]
    assert ("sar", CHILD) == (views[-1]["view"], views[-1]["child_id"])


def test_break_glass_review_goes_through_the_same_door(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The review queue is the IG lead's: a GP is refused; the IG lead's listing is recorded."""
    log = bootstrap(Settings.from_env()).audit()
    log.append("break-glass", [{**EXAMPLES["break-glass"], "case_id": "case-open"}])
    log.close()
    assert 1 == main(["breakglass", "review", "--as-role", "gp", "--organisation-type", "gp"])
    assert "refused" in capsys.readouterr().out
    assert 0 == main(["breakglass", "review", "--json"])
    [case] = json.loads(capsys.readouterr().out)
    assert "case-open" == case["case_id"]
    assert 0 == main(["disclosures", "--kind", "audit-view", "--json"])
    [*_, view] = json.loads(capsys.readouterr().out)
    assert ("breakglass-review", 1) == (view["view"], view["records"])
