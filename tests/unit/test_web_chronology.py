"""The web console's chronology: each entry through the policy; withheld ones only "not shared"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.application.disclosure import NO_RULE, SEALED
from tests.fixtures.console import (
    SHIELDED_ADDRESS,
    ConsoleWorld,
    client,
    console_world,
    records,
    token,
)
from tests.fixtures.lookup_world import JAMES, UNKNOWN_NHS


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def chronology(world: ConsoleWorld, user: str, nhs_number: str = JAMES.nhs) -> str:
    browser = client(world, user)
    page = browser.post(
        "/chronology",
        data={"csrf_token": token(browser, "/chronology"), "nhs_number": nhs_number},
    )
    assert 200 == page.status_code
    return page.text


def test_a_sealed_entry_shows_only_as_not_shared_with_its_reason(world: ConsoleWorld) -> None:
    """The lead sees everything in full but the sexual-health attendance: only "not shared"."""
    page = chronology(world, "lead")
    assert "Shown to you as: lead social worker" in page
    assert "Not shared" in page and f"1 entry: {SEALED}" in page
    assert "2026-11-19" not in page  # neither the date nor anything else of the sealed entry
    decisions = [r["decision"] for r in records(world, "disclosure")]
    assert 1 == decisions.count("refuse") and {"full", "refuse"} == set(decisions)


def test_a_gp_gets_police_concerns_as_facts_and_never_the_shielded_address(
    world: ConsoleWorld,
) -> None:
    """The registered GP sees attendances minimised and police concerns as facts with a contact."""
    page = chronology(world, "gp")
    assert "Shown to you as: registered gp" in page
    assert "contact the responsible authority" in page and "fact-only" in page
    assert SHIELDED_ADDRESS not in page and "WYP-2026" not in page
    assert "2026-11-19" in page  # the GP is cleared for the sexual-health label


def test_another_authoritys_social_worker_is_shown_nothing(world: ConsoleWorld) -> None:
    """No relationship to the child: every entry withheld, each one audited as refused."""
    page = chronology(world, "other-la")
    assert "No entries are shared with you" in page
    assert "Smith" not in page and "Infirmary" not in page
    assert {"refuse"} == {r["decision"] for r in records(world, "disclosure")}


def test_an_alert_opens_the_chronology_by_the_hubs_reference(world: ConsoleWorld) -> None:
    """From the inbox the child is named by the hub's pseudonymous id, posted, not by name."""
    browser = client(world, "lead")
    [alert, *_] = [
        a for a in world.parts.alerts.select("1=1", ()) if a.recipient.kind == "lead-social-worker"
    ]
    page = browser.post(
        "/chronology",
        data={"csrf_token": token(browser, "/chronology"), "child_id": alert.child_id},
    )
    assert 200 == page.status_code and f"hub reference {alert.child_id[:8]}" in page.text


def test_no_record_held_is_not_no_concern(world: ConsoleWorld) -> None:
    """An NHS number the hub does not hold: "no record held", never "no concern"; audited."""
    page = chronology(world, "lead", UNKNOWN_NHS)
    assert "No record held" in page and "does not mean there is no concern" in page
    assert ["no record held"] == [r["outcome"] for r in records(world, "lookup")]


def test_the_desk_role_may_not_read_chronologies(world: ConsoleWorld) -> None:
    """An A&E clinician is refused the chronology page, and the refusal audited."""
    assert 403 == client(world, "desk").get("/chronology").status_code
    assert ["child-chronology"] == [r["call"] for r in records(world, "access-refused")]


def test_withheld_categories_are_the_two_the_service_names() -> None:
    """The reasons a page may give are fixed sentences, never an entry's kind or date."""
    assert "label" in SEALED and "rule" in NO_RULE
