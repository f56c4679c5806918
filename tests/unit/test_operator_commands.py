"""Operator commands on a real SQLite store: identity queue and link, chronology, children."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters import police, social_care
from hub.application.hub_app import InboundMessage
from hub.bootstrap import build_application
from hub.cli.main import main
from hub.config import Settings
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native

CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()


def _messages(events: list, start: int) -> list[InboundMessage]:  # type: ignore[type-arg]
    values = [CODEC.encode(e.schema_name, e.record) for e in events]
    return [
        InboundMessage("t", 0, start + i, v, FACTS.decode_fact(v)) for i, v in enumerate(values)
    ]


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hub store holding twins Jayden and Jaiden and a police record for "Jaden"."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    rows = [
        native.CSC_PLAN_STARTED.replace(",James,", ",Jayden,"),
        native.CSC_PLAN_STARTED.replace("LCS-1,9434765919,,James", "LCS-2,9434765870,,Jaiden"),
    ]
    csv = tmp_path / "cp.csv"
    csv.write_text("\n".join([native.CSC_HEADER, *rows]) + "\n", encoding="utf-8")
    child = dict(native.POLICE_GOOD["children"][0], given_name="Jaden")  # type: ignore[index]
    document = {
        "force": "WYP",
        "system": "NICHE",
        "notifications": [dict(native.POLICE_GOOD, children=[child])],
    }
    notification = tmp_path / "police.json"
    notification.write_text(json.dumps(document), encoding="utf-8")
    app = build_application(Settings(data_dir=tmp_path, kafka_bootstrap="unused"), worker=True)
    app.ingest(_messages(social_care.parse_file(csv).events, 0), None)
    app.ingest(_messages(police.parse_file(notification).events, 10), None)
    app.close()
    return tmp_path


def test_queue_lists_the_ambiguous_record_with_both_candidates(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub identity queue --json` shows the held police record and the two twins as candidates."""
    assert 0 == main(["identity", "queue", "--json"])
    [case] = json.loads(capsys.readouterr().out)
    assert ("POLICE", 2) == (case["agency"], len(case["candidates"]))


def test_queue_candidates_are_disclosures_decided_and_audited(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Naming a candidate child to the operator goes through the policy and the audit log."""
    main(["identity", "queue", "--json"])
    [case] = json.loads(capsys.readouterr().out)
    main(["disclosures", "--kind", "disclosure", "--json"])
    records = [r for r in json.loads(capsys.readouterr().out) if r["category"] == "identity-case"]
    assert sorted(r["child_id"] for r in records) == sorted(
        c["child_id"] for c in case["candidates"]
    )
    assert {r["rule"] for r in records} == {"hub-operators-see-chronologies-for-operations"}


def test_link_command_resolves_the_case_and_the_chronology_shows_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub identity link` closes the case; `hub chronology` then lists the child's entries."""
    main(["identity", "queue", "--json"])
    [case] = json.loads(capsys.readouterr().out)
    main(["chronology", "9434765919", "--json"])
    jayden = json.loads(capsys.readouterr().out)
    status = main(
        ["identity", "link", case["case_id"], jayden["child_id"], "--reason", "school confirmed"]
    )
    assert 0 == status
    capsys.readouterr()
    main(["identity", "queue", "--json"])
    assert [] == json.loads(capsys.readouterr().out)
    assert 2 == main(["identity", "link", case["case_id"], jayden["child_id"], "--reason", "again"])


def test_children_on_plan_lists_both_twins(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub children --on-plan --json` lists the two children whose plans started."""
    assert 0 == main(["children", "--on-plan", "--json"])
    assert 2 == len(json.loads(capsys.readouterr().out))


def test_unknown_child_says_no_record_held(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Asking for a child the hub does not hold says so and exits 2."""
    assert 2 == main(["chronology", "9434765900"])
    assert "no record held" in capsys.readouterr().out


def test_long_chronologies_are_snapshotted(data_dir: Path) -> None:
    """A child with over 100 events gets a snapshot, and loads the same from it."""
    from adapters import emergency_care

    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused")
    app = build_application(settings, worker=True)
    text = "".join(native.HL7_GOOD_A04.replace("V0001", f"V{n:04d}") for n in range(110))
    hl7 = data_dir / "ae.hl7"
    hl7.write_text(text, encoding="utf-8")
    app.ingest(_messages(emergency_care.parse_file(hl7).events, 100), None)
    child = app.find_child("nhs/9434765919")
    app.close()
    reader = build_application(settings)
    assert reader.snapshots is not None
    snapshot = list(reader.snapshots.get(child.id, desc=True, limit=1))
    assert 1 == len(snapshot)
    assert len(child.entries) == len(reader.get_child(child.id).entries)


def test_school_directory_gives_the_childs_safeguarding_lead(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `hub reference schools`, a pupil's chronology names the school's DSL."""
    from adapters import school

    directory = data_dir / "schools.csv"
    directory.write_text(
        "urn,name,dsl_name,dsl_email,la_code\n"
        "100001,Test Primary,Pat Lead,dsl@school-100001.example.org.uk,383\n"
        "not-a-urn,Broken,,,383\n",
        encoding="utf-8",
    )
    assert 1 == main(["reference", "schools", str(directory)])
    assert "not-a-urn" in capsys.readouterr().err
    register = data_dir / "att.csv"
    register.write_text(
        native.SCHOOL_HEADER + "\n100001,Test Primary,A123456789012,P1,Brown,Noah,2016-05-06,"
        "LS2 7XY,100099999999,2026-11-02,AM,N,,2026-11-02T09:30:00+00:00\n",
        encoding="utf-8",
    )
    app = build_application(Settings(data_dir=data_dir, kafka_bootstrap="unused"), worker=True)
    app.ingest(_messages(school.parse_file(register).events, 50), None)
    app.close()
    assert 0 == main(["chronology", "A123456789012", "--json"])
    summary = json.loads(capsys.readouterr().out)
    assert {"name": "Pat Lead", "email": "dsl@school-100001.example.org.uk"} == summary[
        "school_safeguarding_lead"
    ]


def test_policy_view_is_audited_and_the_audit_verifies(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GP's view goes through the policy; the IG lead sees the decisions; tampering is caught."""
    view = [
        "chronology",
        "9434765919",
        "--json",
        "--as-role",
        "gp",
        "--relationship",
        "registered-gp",
        "--purpose",
        "direct-care",
        "--recipient",
        "dr-a",
        "--organisation",
        "B86001",
    ]
    assert 0 == main(view)
    shown = json.loads(capsys.readouterr().out)
    assert ["minimised", "fact-only"] == [e["disclosure"] for e in shown["entries"]]
    assert "0113 000 0002" == shown["entries"][1]["contact"]["out_of_hours_phone"]
    assert "details" not in shown["entries"][1]
    assert 0 == main(["disclosures", "--kind", "disclosure", "--recipient", "dr-a", "--json"])
    records = json.loads(capsys.readouterr().out)
    assert ["minimised", "fact-only"] == [r["decision"] for r in records]
    assert "health-and-social-care" == records[0]["lawful_basis"]
    assert ("fail-safe-I1", True) == (records[1]["rule"], records[1]["needs_review"])
    assert 0 == main(["audit", "verify"])
    assert "intact" in capsys.readouterr().out
    import sqlite3

    with sqlite3.connect(data_dir / "audit.sqlite") as db:
        db.execute("UPDATE audit SET payload = replace(payload, 'minimised', 'refuse')")
    assert 1 == main(["audit", "verify"])
    assert "record 1: content does not match its hash (modified)" in capsys.readouterr().out


def test_unknown_child_lookup_is_audited(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Looking up a child the hub does not hold says so, and the lookup is in the audit log."""
    view = [
        "chronology",
        "9434765900",
        "--as-role",
        "unscheduled-care-clinician",
        "--relationship",
        "treating-clinician",
        "--purpose",
        "direct-care",
    ]
    assert 2 == main(view)
    assert "does not mean there is no concern" in capsys.readouterr().out
    from hub.bootstrap import bootstrap

    log = bootstrap(Settings.from_env()).audit()
    [record] = log.records("lookup")
    log.close()
    assert "no record held" == record.payload["outcome"]


def test_subject_access_report_and_fhir_export_list_the_disclosures(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After a GP view, `hub sar` lists both decisions; the FHIR export has an AuditEvent each."""
    view = [
        "chronology",
        "9434765919",
        "--json",
        "--as-role",
        "gp",
        "--relationship",
        "registered-gp",
        "--purpose",
        "referral-feedback",
        "--recipient",
        "dr-a",
        "--organisation",
        "B86001",
    ]
    main(view)
    capsys.readouterr()
    assert 0 == main(["sar", "9434765919", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert ["refuse", "fact-only"] == [row["decision"] for row in report["disclosures"]]
    assert 0 == main(["disclosures", "--kind", "disclosure", "--fhir"])
    bundle = json.loads(capsys.readouterr().out)
    events = [entry["resource"] for entry in bundle["entry"]]
    assert ["AuditEvent", "AuditEvent"] == [event["resourceType"] for event in events]
    assert ["4", "0"] == [event["outcome"] for event in events]
    assert "dr-a" == events[0]["agent"][1]["who"]["identifier"]["value"]
    assert report["child_id"] == events[0]["entity"][0]["what"]["identifier"]["value"]


def test_break_glass_grants_full_access_for_a_time_and_queues_a_review(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A GP breaking glass sees the police entry in full; the IG lead reviews and closes it."""
    who = ["--as-role", "gp", "--recipient", "dr-b", "--organisation", "B86001"]
    assert 1 == main(
        ["breakglass", "request", "9434765919", *who, "--reason-code", "because", "--reason", "x"]
    )
    assert "unknown reason code" in capsys.readouterr().out
    assert 0 == main(
        [
            "breakglass",
            "request",
            "9434765919",
            *who,
            "--reason-code",
            "immediate-risk-to-life",
            "--reason",
            "unconscious child",
        ]
    )
    capsys.readouterr()
    view = [
        "chronology",
        "9434765919",
        "--json",
        *who,
        "--relationship",
        "registered-gp",
        "--purpose",
        "direct-care",
    ]
    assert 0 == main(view)
    shown = json.loads(capsys.readouterr().out)
    assert ["full", "full"] == [entry["disclosure"] for entry in shown["entries"]]
    assert 0 == main(["breakglass", "review", "--json"])
    [case] = json.loads(capsys.readouterr().out)
    assert "immediate-risk-to-life" == case["reason_code"]
    assert 0 == main(["breakglass", "review", case["case_id"], "--outcome", "justified"])
    capsys.readouterr()
    assert 0 == main(["breakglass", "review", "--json"])
    assert [] == json.loads(capsys.readouterr().out)
    assert 0 == main(["audit", "verify"])


def test_break_glass_expires(data_dir: Path) -> None:
    """After its time is up a grant no longer applies."""
    from datetime import UTC, datetime, timedelta

    from hub.application.break_glass import active_grant, request_access
    from hub.bootstrap import bootstrap
    from hub.policy.engine import Recipient
    from hub.policy.loader import load_policy

    log = bootstrap(Settings.from_env()).audit()
    recipient = Recipient("dr-c", "gp", "B86001", "gp-practice", "break-glass")
    start = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    request_access(log, load_policy(), recipient, "child-1", "immediate-risk-to-life", "why", start)
    assert active_grant(log, "dr-c", "child-1", start + timedelta(minutes=59)) is not None
    assert active_grant(log, "dr-c", "child-1", start + timedelta(minutes=61)) is None
    log.close()


def test_operator_view_goes_through_the_policy_and_is_audited(data_dir: Path) -> None:
    """The operator's chronology view is a disclosure like any other: decided and recorded."""
    from hub.bootstrap import bootstrap

    assert 0 == main(["chronology", "9434765919"])
    log = bootstrap(Settings.from_env()).audit()
    records = log.records("disclosure")
    log.close()
    assert ["cp-status-plan-started", "domestic-abuse-notification", "child-status"] == [
        r.payload["category"] for r in records
    ]
    assert {("hub-operator", "operations", "full")} == {
        (r.payload["recipient"]["role"], r.payload["purpose"], r.payload["decision"])
        for r in records
    }


def test_decode_processes_come_from_the_command_line_else_the_setting(tmp_path: Path) -> None:
    """``--decode-processes 0`` overrides HUB_DECODE_PROCESSES; without it the setting holds."""
    import argparse

    from hub.cli.run_command import add_decode_processes_argument, decode_processes
    from hub.config import Settings

    parser = argparse.ArgumentParser()
    add_decode_processes_argument(parser)
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="x", decode_processes=2)
    assert decode_processes(parser.parse_args([]), settings) == 2
    assert decode_processes(parser.parse_args(["--decode-processes", "0"]), settings) == 0


def _identity_case_children(capsys: pytest.CaptureFixture[str], *child: str) -> list[str]:
    assert 0 == main(
        ["disclosures", "--kind", "disclosure", "--json", *(("--child", *child) if child else ())]
    )
    rows = json.loads(capsys.readouterr().out)
    return [r["child_id"] for r in rows if r["category"] == "identity-case"]


def test_disclosures_for_a_child_named_by_nhs_number(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub disclosures --child` takes an NHS number, as `hub sar` does."""
    main(["identity", "queue", "--json"])
    capsys.readouterr()
    app = build_application(Settings.from_env())
    jayden = str(app.find_child("nhs/9434765919").id)
    app.close()
    assert 2 == len(set(_identity_case_children(capsys)))  # both twins were disclosed
    assert [jayden] == _identity_case_children(capsys, "9434765919")
    assert [jayden] == _identity_case_children(capsys, jayden)


def test_disclosures_for_an_unknown_nhs_number_says_no_record_held(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An NHS number the hub does not hold is said so, not answered with an empty list."""
    assert 2 == main(["disclosures", "--child", "9434765900"])
    assert "no record held for 9434765900" in capsys.readouterr().out
