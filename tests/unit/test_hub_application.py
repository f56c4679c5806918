"""The hub application on an in-memory store: chronology, exactly-once, households, review queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking

from adapters import emergency_care, police, social_care
from hub.application.hub_app import HubApplication, InboundMessage
from hub.bootstrap import build_application
from hub.config import Settings
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import CaseAlreadyResolvedError
from hub.ingest.decoding import FactCodec
from tests.fixtures import native
from tests.fixtures.helpers import inbound_messages, write_file

FACTS = FactCodec()
ENV = {
    "PERSISTENCE_MODULE": "eventsourcing.popo",
    "AGGREGATE_CACHE_MAXSIZE": "1000",
    "AGGREGATE_CACHE_FASTFORWARD": "n",
    "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
}


@pytest.fixture
def app() -> HubApplication:
    return HubApplication(env=ENV, decode_fact=FACTS.decode_fact)


def _plan(tmp_path: Path, rows: list[str]) -> list[InboundMessage]:
    path = write_file(tmp_path, "cp.csv", "\n".join([native.CSC_HEADER, *rows]) + "\n")
    return inbound_messages(social_care.parse_file(path))


def _csc_row(
    reference: str, nhs: str, given: str, dob: str = "2015-03-04", uprn: str = "100012345678"
) -> str:
    return (
        f"383,Leeds,{reference},{nhs},,{given},Smith,{dob},LS1 4AB,{uprn},plan-started,"
        "2026-10-01,neglect,N,0113 000 0001,0113 000 0002,Alex Worker,alex@la.example.org.uk,"
        "Team North,2026-10-01T16:00:00+00:00"
    )


def _police(
    tmp_path: Path, children: list[dict[str, Any]], uprn: str = "100012345678"
) -> list[InboundMessage]:
    notification = dict(native.POLICE_GOOD, children=children)
    notification["location"] = dict(native.POLICE_GOOD["location"], uprn=uprn)  # type: ignore[arg-type]
    document = {"force": "WYP", "system": "NICHE", "notifications": [notification]}
    return inbound_messages(
        police.parse_file(write_file(tmp_path, "police.json", json.dumps(document))), 100
    )


def test_chronology_merges_agencies_in_time_order(app: HubApplication, tmp_path: Path) -> None:
    """A plan start and an A&E attendance for one NHS number make one chronology, oldest first."""
    ae = inbound_messages(
        emergency_care.parse_file(
            write_file(tmp_path, "ae.hl7", native.HL7_GOOD_A04 + native.HL7_GOOD_A03)
        ),
        10,
    )
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]) + ae, Tracking("t#0", 12))
    child = app.find_child("nhs/9434765919")
    assert [e.kind for e in child.chronology()] == [
        "cp-status-plan-started",
        "unscheduled-care-arrival",
        "unscheduled-care-discharge",
    ]
    assert child.on_plan
    assert (child.responsible_authority or {})["out_of_hours_phone"] == "0113 000 0002"
    assert child.professionals["gp_practice"]["code"] == "B86001"


def test_entries_are_stored_under_their_published_topic_and_replay(
    app: HubApplication, tmp_path: Path
) -> None:
    """Entries keep the stored topic alert followers read, and a rebuild from the store has them."""
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), Tracking("t#0", 1))
    child_id = app.find_child("nhs/9434765919").id
    topics = [n.topic for n in app.recorder.select_notifications(start=1, limit=100)]
    app.repository.cache.get(child_id, evict=True)  # type: ignore[union-attr]

    rebuilt = app.get_child(child_id)

    assert "hub.domain.child:Child.EntryRecorded" in topics
    assert ["cp-status-plan-started"] == [e.kind for e in rebuilt.chronology()]
    assert rebuilt.has_seen(rebuilt.entries[0].event_id)


def test_a_restarted_worker_tells_known_identifiers_from_new_ones(tmp_path: Path) -> None:
    """With a cold cache, one query per batch finds which identifiers exist: none is doubled."""
    settings = Settings(data_dir=tmp_path / "hub", kafka_bootstrap="unused")
    first = _csc_row("LCS-1", "9434765919", "James")
    second = _csc_row("LCS-2", "9434765870", "Lucy", uprn="100012345679")
    build_application(settings, worker=True).ingest(_plan(tmp_path, [first]), Tracking("t#0", 1))

    app = build_application(settings, worker=True)  # a restart: nothing cached
    report = app.ingest(_plan(tmp_path, [first, second]), Tracking("t#0", 3))

    james = app.find_child("nhs/9434765919")
    lucy = app.find_child("nhs/9434765870")

    assert (1, 1, 1) == (report.duplicates, report.applied, report.new_children)
    assert james.id != lucy.id
    assert lucy.id == app.find_child(lucy.identifier_keys()[-1]).id
    assert 1 == len(lucy.entries)


def test_redelivered_messages_change_nothing(app: HubApplication, tmp_path: Path) -> None:
    """Applying the same messages again (new positions, same event ids) adds no entries."""
    messages = _plan(tmp_path, [native.CSC_PLAN_STARTED])
    app.ingest(messages, None)
    before = app.find_child("nhs/9434765919").version
    report = app.ingest(messages, None)
    assert (report.applied, report.duplicates) == (0, 1)
    assert before == app.find_child("nhs/9434765919").version


def test_position_is_recorded_with_the_batch(app: HubApplication, tmp_path: Path) -> None:
    """The partition position is stored by the same call that stores the events."""
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), Tracking("t#0", 1))
    assert app.position("t", 0) == 1
    assert app.position("t", 1) is None


def test_police_notification_fans_out_to_every_child_of_the_household_once(
    app: HubApplication, tmp_path: Path
) -> None:
    """Three children at one address each get the notification once, named or not (P3)."""
    rows = [
        _csc_row("LCS-1", "9434765919", "James", "2015-03-04"),
        _csc_row("LCS-2", "9434765870", "Lucy", "2017-06-01"),
        _csc_row("LCS-3", "9434765900", "Noah", "2019-09-09"),
    ]
    app.ingest(_plan(tmp_path, rows), None)
    named = dict(native.POLICE_GOOD["children"][0])  # type: ignore[index]
    messages = _police(tmp_path, [named])
    report = app.ingest(messages, None)
    app.ingest(messages, None)  # redelivered: still once each
    assert (report.applied, report.fanned_out) == (1, 2)
    for nhs in ("9434765919", "9434765870", "9434765900"):
        kinds = [e.kind for e in app.find_child(f"nhs/{nhs}").chronology()]
        assert kinds.count("domestic-abuse-notification") == 1


def test_siblings_in_one_household_are_linked(app: HubApplication, tmp_path: Path) -> None:
    """Children sharing a UPRN are linked as siblings both ways."""
    rows = [
        _csc_row("LCS-1", "9434765919", "James"),
        _csc_row("LCS-2", "9434765870", "Lucy", "2017-06-01"),
    ]
    app.ingest(_plan(tmp_path, rows), None)
    james, lucy = app.find_child("nhs/9434765919"), app.find_child("nhs/9434765870")
    assert ({str(lucy.id)}, {str(james.id)}) == (james.siblings, lucy.siblings)


def test_ambiguous_child_is_queued_not_merged(app: HubApplication, tmp_path: Path) -> None:
    """A police record for "Jaden" at a home with twins Jayden and Jaiden waits for a person."""
    rows = [_csc_row("LCS-1", "9434765919", "Jayden"), _csc_row("LCS-2", "9434765870", "Jaiden")]
    app.ingest(_plan(tmp_path, rows), None)
    child = dict(native.POLICE_GOOD["children"][0], given_name="Jaden")  # type: ignore[index]
    report = app.ingest(_police(tmp_path, [child]), None)
    assert report.queued_for_review == 1
    [case] = app.open_cases()
    assert len(case.candidates) == 2
    # The household still learns of the incident; the named-child detail waits for review.
    for nhs in ("9434765919", "9434765870"):
        entry = app.find_child(f"nhs/{nhs}").chronology()[-1]
        assert (entry.details["named_in_notification"], entry.resolved_via) == (False, "household")


def test_manual_link_releases_the_held_record_and_closes_the_case(
    app: HubApplication, tmp_path: Path
) -> None:
    """Linking a case records the identifier on the child and removes the case from the queue."""
    rows = [_csc_row("LCS-1", "9434765919", "Jayden"), _csc_row("LCS-2", "9434765870", "Jaiden")]
    app.ingest(_plan(tmp_path, rows), None)
    child = dict(native.POLICE_GOOD["children"][0], given_name="Jaden")  # type: ignore[index]
    app.ingest(_police(tmp_path, [child]), None)
    [case] = app.open_cases()
    jayden = app.find_child("nhs/9434765919")
    app.link_case(case.id, jayden.id, by="test:ig-officer", reason="confirmed with the school")
    assert app.open_cases() == []
    assert "local/POLICE/WYP/WYP-P-1" in app.find_child("nhs/9434765919").identifier_keys()
    with pytest.raises(CaseAlreadyResolvedError):
        app.link_case(case.id, jayden.id, by="test", reason="again")


def test_unlinking_an_identifier_withdraws_entries_that_came_through_it(
    app: HubApplication, tmp_path: Path
) -> None:
    """Unlink is an event with a reason; the entries resolved via that identifier are withdrawn."""
    app.ingest(_plan(tmp_path, [native.CSC_PLAN_STARTED]), None)
    ae = emergency_care.parse_file(write_file(tmp_path, "ae.hl7", native.HL7_GOOD_A04))
    app.ingest(inbound_messages(ae, 5), None)
    child = app.find_child("nhs/9434765919")
    mrn = "local/EMERGENCY_CARE/RXX01/RXX01-0042"
    assert mrn in child.identifier_keys()
    app.unlink_identifier(child.id, "nhs/9434765919", by="test", reason="wrong NHS number")
    child = app.get_child(child.id)
    assert "nhs/9434765919" not in child.identifier_keys()
    assert [e.kind for e in child.chronology()] == ["cp-status-plan-started"]


def test_child_learned_of_after_a_notification_still_gets_it(
    app: HubApplication, tmp_path: Path
) -> None:
    """Records arrive in any order: a sibling first seen after the notification still gets it."""
    app.ingest(_plan(tmp_path, [_csc_row("LCS-1", "9434765919", "James")]), None)
    named = dict(native.POLICE_GOOD["children"][0])  # type: ignore[index]
    app.ingest(_police(tmp_path, [named]), None)
    app.ingest(_plan(tmp_path, [_csc_row("LCS-2", "9434765870", "Lucy", "2017-06-01")]), None)
    lucy = app.find_child("nhs/9434765870")
    [entry] = [e for e in lucy.chronology() if e.kind == "domestic-abuse-notification"]
    assert (False, "household") == (entry.details["named_in_notification"], entry.resolved_via)


def test_old_household_notifications_do_not_reach_a_newly_known_child(
    app: HubApplication, tmp_path: Path
) -> None:
    """Only recent household notifications (28 days) reach a child learned of later."""
    named = dict(native.POLICE_GOOD["children"][0])  # type: ignore[index]
    old = dict(
        native.POLICE_GOOD,
        children=[named],
        incident_time="2026-08-20T21:40:00+00:00",
        recorded_time="2026-08-20T22:55:00+00:00",
    )
    document = {"force": "WYP", "system": "NICHE", "notifications": [old]}
    app.ingest(
        inbound_messages(police.parse_file(write_file(tmp_path, "p.json", json.dumps(document)))),
        None,
    )
    app.ingest(_plan(tmp_path, [_csc_row("LCS-2", "9434765870", "Lucy", "2017-06-01")]), None)
    kinds = [e.kind for e in app.find_child("nhs/9434765870").entries]
    assert ["cp-status-plan-started"] == kinds


def test_index_ids_do_not_reveal_identifiers_without_the_key() -> None:
    """Index ids are keyed: the same NHS number gives different ids under different keys."""
    from hub.domain.indexes import IndexIds

    first = IndexIds(b"key-one").identifier("nhs/9434765919")
    second = IndexIds(b"key-two").identifier("nhs/9434765919")
    assert first != second
    assert first == IndexIds(b"key-one").identifier("nhs/9434765919")


def test_entries_read_back_equal_what_was_written() -> None:
    """An entry survives to_dict/from_dict and resolution unchanged, and bad input still fails."""
    entry = ChronologyEntry(
        event_id="e1",
        agency="POLICE",
        kind="domestic-abuse-notification",
        occurred_at="2026-10-01T10:00:00+00:00",
        recorded_at="2026-10-01T11:00:00+00:00",
        summary="Police attended a domestic incident at the home.",
        source_organisation="WYP",
        source_reference="N-1",
        labels=("police",),
        details={"risk_level": "HIGH"},
    )
    resolved = entry.resolved("nhs/9434765919", {"risk_level": "HIGH", "named": True})

    assert entry == ChronologyEntry.from_dict(entry.to_dict())
    assert ("police",) == ChronologyEntry.from_dict(entry.to_dict()).labels
    assert ("nhs/9434765919", True) == (resolved.resolved_via, resolved.details["named"])
    assert ("", {"risk_level": "HIGH"}) == (entry.resolved_via, entry.details)
    assert entry == ChronologyEntry.from_dict(
        {k: v for k, v in entry.to_dict().items() if k != "resolved_via"}
    )
    with pytest.raises(TypeError):
        ChronologyEntry.from_dict({**entry.to_dict(), "unexpected": 1})
