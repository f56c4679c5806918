"""What the reports read from a real event store: children's entries and identity cases."""

from __future__ import annotations

from pathlib import Path

from hub.alerts.store import AlertStore
from hub.mi.sources import read_sources
from tests.fixtures.console import console_world, queue_twin_record
from tests.fixtures.lookup_world import JAMES


def test_identity_cases_come_with_when_they_were_queued_and_decided(tmp_path: Path) -> None:
    """A held police record is an open case; linked by a person, it is decided, linked."""
    with console_world(tmp_path) as world:
        app = world.system.application()
        queue_twin_record(app, tmp_path)
        store = AlertStore(world.settings.alert_store_path)
        [case] = read_sources(app, store).cases
        assert ("POLICE", None) == (case.agency, case.outcome)
        [held] = app.open_cases()
        james = app.find_child(f"nhs/{JAMES.nhs}")
        app.link_case(held.id, james.id, "officer-1", "same child")
        [decided] = read_sources(app, store).cases
        store.close()
    assert decided.decided_at is not None and decided.opened_at <= decided.decided_at
    assert "linked" == decided.outcome


def test_children_bring_district_and_team_but_no_name(tmp_path: Path) -> None:
    """Each child as the reports see it: district, team and entries, never a name."""
    with console_world(tmp_path) as world:
        app = world.system.application()
        store = AlertStore(world.settings.alert_store_path)
        children = read_sources(app, store).children
        store.close()
    james = next(c for c in children if any(e.kind.startswith("cp-status") for e in c.entries))
    assert james.district != "unknown" and james.team != "unallocated"
    assert not hasattr(james, "details")
