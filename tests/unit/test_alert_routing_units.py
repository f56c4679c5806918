"""Routing parts (I1): postcode table, status at event time, route ranks, the commands."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from consumers.alert_delivery import email_text
from hub.alerts.model import AlertIntent, Recipient
from hub.alerts.postcode_areas import PostcodeAreas, PostcodeAreasError, load_areas
from hub.alerts.publisher import to_record
from hub.alerts.routing import Raised, as_fallback, choose, rank, slot, unrouted
from hub.alerts.status_at import StatusHistory
from hub.alerts.store import Alert, AlertStore
from hub.cli.main import main
from hub.config import Settings
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry

LEEDS = {"code": "383", "name": "Leeds"}


def test_postcode_sector_wins_over_its_district() -> None:
    """The longest prefix decides: a sector straddling a boundary overrides its district."""
    areas = PostcodeAreas({"LS7": "383", "LS7 4": "384"})
    assert "383" == areas.authority("ls7 2ab")
    assert "384" == areas.authority("LS74AB")
    assert areas.authority("BD1 1AA") is None
    assert areas.authority(None) is None


def test_postcode_table_errors_name_the_line_and_field() -> None:
    """A bad prefix or a prefix given twice is refused with the line and the field."""
    with pytest.raises(PostcodeAreasError, match=r"areas:3: postcode_prefix: 'LS-7'"):
        PostcodeAreas.parse("postcode_prefix,la_code\nLS7,383\nLS-7,383\n", "areas")
    with pytest.raises(PostcodeAreasError, match=r"areas:3: postcode_prefix: LS7 appears twice"):
        PostcodeAreas.parse("postcode_prefix,la_code\nLS7,383\nls7,384\n", "areas")
    with pytest.raises(PostcodeAreasError, match=r"areas:2: la_code: required"):
        PostcodeAreas.parse("postcode_prefix,la_code\nLS7,\n", "areas")


def _status(kind: str, effective: str, status: str, looked_after: bool = False) -> ChronologyEntry:
    return ChronologyEntry(
        event_id=f"{status}-{effective}",
        agency="CHILDRENS_SOCIAL_CARE",
        kind=kind,
        occurred_at=f"{effective}T00:00:00+00:00",
        recorded_at="2026-12-01T09:00:00+00:00",  # every record arrived late, in any order
        summary="status",
        source_organisation="383",
        source_reference="r",
        details={"status_event": status, "event_date": effective, "looked_after": looked_after},
    )


def test_status_at_event_time_comes_from_the_plan_history_not_arrival_order() -> None:
    """A plan's end recorded before its start still gives the plan's days, end date included."""
    child = Child(first_event_id="s", subject_index=0, details={})
    child.record_entry(_status("cp-status-plan-ended", "2026-11-10", "PLAN_ENDED"))
    child.record_entry(_status("cp-status-plan-started", "2026-10-01", "PLAN_STARTED"))
    child.record_entry(
        _status("cp-status-looked-after-started", "2026-11-05", "LOOKED_AFTER_STARTED", True)
    )
    history = StatusHistory(child)
    assert not history.at("2026-09-30T23:00:00+00:00").on_plan
    assert history.at("2026-10-01T08:00:00+00:00").on_plan
    assert history.at("2026-11-10T20:00:00+00:00").on_plan  # the end date itself
    assert not history.at("2026-11-11T00:30:00+00:00").on_plan
    assert not history.at("2026-11-04T12:00:00+00:00").looked_after
    assert history.at("2026-11-06T12:00:00+00:00").looked_after


def test_without_status_entries_the_current_status_is_used() -> None:
    """A child whose plan was set without a chronology entry is judged on its current status."""
    child = Child(first_event_id="t", subject_index=0, details={})
    child.start_plan(category=None, start_date="2026-10-01", unborn=False, authority=LEEDS)
    assert StatusHistory(child).at("2020-01-01T00:00:00+00:00").on_plan


def test_routes_rank_own_professionals_first_and_the_duty_operator_last() -> None:
    """Allocated < household < school < postcode < default < any fallback < unrouted."""
    routes = ["allocated", "household", "school-authority", "home-postcode", "default-authority"]
    ranks = [rank(route) for route in routes]
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert rank("default-authority") < rank("fallback:allocated") < rank("unrouted")


def test_schools_are_separate_audiences_but_a_front_door_is_one() -> None:
    """Each school is told for itself; a lead social worker slot is one, however routed."""
    school = Recipient("school-dsl", "school-dsl", "107001", "school", "childs-school")
    door = Recipient("front-door", "social-worker", "383", "local-authority", "front-door")
    assert "school-dsl/107001" == slot("school-dsl", school)
    assert "lead-social-worker" == slot("lead-social-worker", as_fallback(door))
    assert "fallback:allocated" == as_fallback(door).route
    assert "unrouted" == unrouted("front-door", None).route


def _unrouted_alert() -> Alert:
    return Alert(
        alert_id="a-1",
        rule_id="c5-concerns-from-several-agencies",
        requirements=["C5"],
        child_id="c-1",
        nhs_number="9434765919",
        recipient=unrouted("lead-social-worker", "operator@hub.example"),
        urgency="routine",
        headline="Concerns about the child or a sibling from 2 agencies within 30 days",
        content={"kind": "domestic-abuse-notification"},
        decision={},
        raised_at="2026-11-20T10:00:00+00:00",
        ack_deadline="2026-11-21T10:00:00+00:00",
        occurrence_id="o-1",
        slot="unrouted",
        route_rank=rank("unrouted"),
        routing={
            "route": "unrouted",
            "unresolved": [{"kind": "front-door", "reason": "no local authority is known"}],
        },
    )


def test_alerts_list_unrouted_shows_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub alerts list --unrouted` lists only alerts nobody could be found for, with why."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    organisations = tmp_path / "organisations.csv"
    organisations.write_text("code,type,name\n383,local-authority,Leeds\n", encoding="utf-8")
    assert 0 == main(["reference", "organisations", str(organisations)])
    store = AlertStore(Settings.from_env().alert_store_path)
    routed = Alert(**{**_unrouted_alert().__dict__, "alert_id": "a-2", "route_rank": 0})
    store.add([_unrouted_alert(), routed])
    store.close()
    assert 0 == main(["alerts", "list", "--unrouted"])
    out = capsys.readouterr().out
    assert "a-1" in out and "a-2" not in out
    assert "unresolved front-door: no local authority is known" in out
    assert "1 unrouted alerts" in out


def test_reference_postcodes_loads_the_table_checked_against_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub reference postcodes` keeps the table; an authority not in the directory is refused."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    organisations = tmp_path / "organisations.csv"
    organisations.write_text("code,type,name\n383,local-authority,Leeds\n", encoding="utf-8")
    assert 0 == main(["reference", "organisations", str(organisations)])
    table = tmp_path / "areas.csv"
    table.write_text("postcode_prefix,la_code\nls7,383\n", encoding="utf-8")
    assert 0 == main(["reference", "postcodes", str(table)])
    assert "383" == load_areas(tmp_path / "reference" / "postcode-areas.csv").authority("LS7 1AA")
    table.write_text("postcode_prefix,la_code\nLS7,999\n", encoding="utf-8")
    assert 1 == main(["reference", "postcodes", str(table)])
    assert "not in the organisation directory: 999" in capsys.readouterr().err


def test_email_points_out_a_late_source_record_and_an_unrouted_alert() -> None:
    """The message says how late the agency's record reached the hub, and asks to route it."""
    alert = _unrouted_alert()
    alert.routing["source_recorded_at"] = "2026-11-20T04:00:00+00:00"
    record = to_record(alert)
    assert datetime(2026, 11, 20, 4, tzinfo=UTC) == record["source_recorded_at"]
    _, body = email_text(record)
    assert "it reached the hub 6.0 hours later" in body
    assert "Unrouted: nobody responsible could be found" in body
    record["source_recorded_at"] = record["raised_at"]
    record["route"] = "allocated"
    _, body = email_text(record)
    assert "Late record" not in body and "Unrouted" not in body


def test_a_store_from_before_routing_gains_its_columns(tmp_path: Path) -> None:
    """An alert store from before the routing columns gains them when opened, alerts kept."""
    path = tmp_path / "alerts.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE alerts (alert_id TEXT PRIMARY KEY, rule_id TEXT NOT NULL,"
        " requirements TEXT NOT NULL, child_id TEXT NOT NULL, nhs_number TEXT,"
        " recipient TEXT NOT NULL, urgency TEXT NOT NULL, headline TEXT NOT NULL, content TEXT,"
        " decision TEXT NOT NULL, raised_at TEXT NOT NULL, deliver_by TEXT,"
        " ack_deadline TEXT NOT NULL, escalation_level INTEGER NOT NULL DEFAULT 0,"
        " escalates TEXT, state TEXT NOT NULL, acknowledged_at TEXT, acknowledged_by TEXT,"
        " escalated_to_level INTEGER NOT NULL DEFAULT 0, published INTEGER NOT NULL DEFAULT 0,"
        " audited INTEGER NOT NULL DEFAULT 0, seq INTEGER);"
        "INSERT INTO alerts VALUES ('old', 'r', '[]', 'c', NULL,"
        ' \'{"kind": "duty-team", "role": "social-worker", "organisation": "383",'
        ' "organisation_type": "local-authority", "relationship": "front-door"}\','
        " 'routine', 'h', NULL, '{}', '2026-11-20T10:00:00+00:00', NULL,"
        " '2026-11-21T10:00:00+00:00', 0, NULL, 'raised', NULL, NULL, 0, 1, 1, 1);"
    )
    old.close()
    for _ in range(2):
        store = AlertStore(path)
        [alert] = store.select()
        store.close()
    assert ("old", "allocated", None) == (
        alert.alert_id,
        alert.recipient.route,
        alert.superseded_by,
    )
    assert not alert.unrouted


def _intent(kind: str, route: str, organisation: str = "383") -> AlertIntent:
    """An intent of one rule about one entry, for the audience ``kind``, routed by ``route``."""
    entry = _status("cp-status-plan-started", "2026-11-01", "PLAN_STARTED")
    recipient = Recipient(kind, "social-worker", organisation, "local-authority", "x", route=route)
    return AlertIntent(
        rule_id="r",
        requirements=(),
        child_id="c",
        entry=entry,
        recipient=recipient,
        urgency="routine",
        headline="h",
        slot="unrouted" if route == "unrouted" else "lead-social-worker",
    )


def _standing(intent: AlertIntent) -> Raised:
    return Raised(intent.alert_id, intent.occurrence_id, intent.slot, rank(intent.recipient.route))


def test_a_better_route_supersedes_and_an_equal_one_raises_nothing() -> None:
    """The front door told as a fallback gives way to the lead social worker known later."""
    door = _intent("front-door", "fallback:allocated")
    worker = _intent("lead-social-worker", "allocated")
    chosen, superseded = choose([worker], [_standing(door)])
    assert ([worker], [(door.alert_id, worker.alert_id)]) == (chosen, superseded)
    other_door = _intent("front-door", "fallback:school-authority", "384")
    assert ([], []) == choose([other_door, door], [_standing(door)])


def test_unrouted_waits_for_nothing_else_and_gives_way_to_any_route() -> None:
    """Unrouted only when nothing stands for the occurrence; any routed alert supersedes it."""
    nobody = _intent("unrouted:lead-social-worker", "unrouted")
    assert ([nobody], []) == choose([nobody], [])
    assert ([], []) == choose([nobody], [_standing(nobody)])
    door = _intent("front-door", "fallback:home-postcode")
    assert ([door], [(nobody.alert_id, door.alert_id)]) == choose([door], [_standing(nobody)])
    assert ([door], []) == choose([nobody, door], [])
