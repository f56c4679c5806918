"""An identity unlink withdraws the entries that came through the link, and keeps them, marked."""

from __future__ import annotations

from pathlib import Path

from hub.application.hub_app import HubApplication
from hub.policy.engine import Recipient, decide, entry_facts, render
from hub.policy.loader import load_policy
from tests.fixtures.lookup_world import FACTS, JAMES, load_world

GP = Recipient("dr-a", "gp", "B86001", "gp-practice", "registered-gp")


def _app(tmp_path: Path) -> HubApplication:
    app = HubApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, decode_fact=FACTS.decode_fact
    )
    load_world(app, tmp_path)
    return app


def test_unlinked_entries_stay_in_the_chronology_marked_withdrawn(tmp_path: Path) -> None:
    """They leave the active chronology and come back, marked with the reason, on request."""
    app = _app(tmp_path)
    child = app.find_child(f"nhs/{JAMES.nhs}")
    withdrawn = app.unlink_identifier(child.id, f"nhs/{JAMES.nhs}", "ig-1", "another child")
    child = app.get_child(child.id)
    marked = [e for e in child.chronology(with_withdrawn=True) if e.details.get("withdrawn")]
    assert sorted(e.event_id for e in withdrawn) == sorted(e.event_id for e in marked)
    assert {"identifier unlinked: another child"} == {
        str(e.details["withdrawn_reason"]) for e in marked
    }
    assert not {e.event_id for e in marked} & {e.event_id for e in child.chronology()}


def test_a_minimised_disclosure_carries_the_withdrawal_and_its_reason(tmp_path: Path) -> None:
    """render() keeps the withdrawal marker at the minimised level, so documents can show it."""
    app = _app(tmp_path)
    child = app.find_child(f"nhs/{JAMES.nhs}")
    app.unlink_identifier(child.id, f"nhs/{JAMES.nhs}", "ig-1", "another child")
    child = app.get_child(child.id)
    policy = load_policy()
    entry = next(
        e
        for e in child.chronology(with_withdrawn=True)
        if e.details.get("withdrawn") and e.kind == "unscheduled-care-arrival"
    )
    decision = decide(policy, GP, "direct-care", entry, entry_facts(entry, True, False))
    shown = render(entry, decision)
    assert shown is not None and "minimised" == shown["disclosure"]
    assert {
        "withdrawn": True,
        "withdrawn_reason": "identifier unlinked: another child",
    }.items() <= (shown["details"].items())
