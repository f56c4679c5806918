"""The web console's identity queue: the held record beside each candidate; a decision audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.console import (
    ConsoleWorld,
    client,
    console_world,
    queue_twin_record,
    records,
    token,
)
from tests.fixtures.lookup_world import LILY

OFFICER = "officer"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    """The console world and a police record of "Lilo Jones", who could be either twin."""
    with console_world(tmp_path) as built:
        queue_twin_record(built.system.application(), tmp_path)
        assert 1 == len(built.parts.app.open_cases())
        yield built


def test_the_officer_sees_the_held_record_beside_each_candidate(world: ConsoleWorld) -> None:
    """Both twins are shown beside the held record; naming them is audited as disclosures."""
    page = client(world, OFFICER).get("/identity")
    assert 200 == page.status_code
    shown = page.text.lower()
    assert "lilo jones" in shown and "lily jones" in shown and "lila jones" in shown
    cases = [r for r in records(world, "disclosure") if r["category"] == "identity-case"]
    assert 2 == len(cases) and {"full"} == {r["decision"] for r in cases}


def test_linking_the_record_needs_a_reason_and_is_audited(world: ConsoleWorld) -> None:
    """No reason: an error and nothing linked; with one, the case closes and is audited."""
    browser = client(world, OFFICER)
    page = browser.get("/identity").text
    case_id = re.findall(r'name="case_id" value="([^"]+)"', page)[0]
    lily = world.parts.app.find_child(f"nhs/{LILY.nhs}")
    form = {"csrf_token": token(browser, "/identity"), "case_id": case_id, "decision": str(lily.id)}
    refused = browser.post("/identity/decide", data={**form, "reason": ""})
    assert 400 == refused.status_code and f'href="#reason-{case_id}"' in refused.text
    assert 1 == len(world.parts.app.open_cases())
    done = browser.post("/identity/decide", data={**form, "reason": "Mother confirmed: Lily."})
    assert 200 == done.status_code and "Decision recorded" in done.text
    assert [] == world.parts.app.open_cases()
    [decision] = records(world, "identity-decision")
    assert ("linked", str(lily.id), "Mother confirmed: Lily.") == (
        decision["decision"],
        decision["child_id"],
        decision["reason"],
    )


def test_only_an_identity_officer_may_open_the_queue(world: ConsoleWorld) -> None:
    """A social worker is refused the identity queue, and the refusal audited."""
    assert 403 == client(world, "lead").get("/identity").status_code
    assert ["identity-queue"] == [r["call"] for r in records(world, "access-refused")]
