"""Break glass from the web console's desk: coded reason, time-limited, marked on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from hub.application.disclosure import SEALED
from tests.fixtures.console import ConsoleWorld, client, console_world, records, token
from tests.fixtures.lookup_world import JAMES


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def looked_up(browser: TestClient) -> dict[str, str]:
    """The desk's answer for James: the break-glass form's hidden fields."""
    page = browser.post(
        "/desk",
        data={"csrf_token": token(browser, "/desk"), "search": "nhs", "nhs_number": JAMES.nhs},
    ).text
    fields = dict(
        re.findall(r'type="hidden" name="(child_id|mac|csrf_token)" value="([^"]+)"', page)
    )
    assert {"child_id", "mac", "csrf_token"} == set(fields)
    return fields


def test_breaking_glass_shows_the_chronology_and_marks_every_page(world: ConsoleWorld) -> None:
    """A coded reason and an explanation: the chronology (sealed entries still sealed), audited.

    A banner marks every page of that user while the grant lasts.
    """
    browser = client(world, "desk")
    form = {
        **looked_up(browser),
        "reason_code": "child-presenting-unaccompanied",
        "reason_text": "Arrived alone, injured, at 03:00.",
    }
    page = browser.post("/desk/break-glass", data=form)
    assert 200 == page.status_code
    assert "emergency access (break glass)" in page.text and 'id="break-glass-banner"' in page.text
    assert f"1 entry: {SEALED}" in page.text and "2026-11-19" not in page.text
    assert "Download court chronology" not in page.text  # the desk cannot make that call
    [grant] = records(world, "break-glass")
    assert ("ae-desk-1", "Arrived alone, injured, at 03:00.") == (
        grant["recipient"]["id"],
        grant["reason_text"],
    )
    assert 'id="break-glass-banner"' in browser.get("/desk").text
    assert 'id="break-glass-banner"' not in client(world, "gp").get("/inbox").text


def test_requesting_emergency_access_shows_the_form_and_grants_nothing(
    world: ConsoleWorld,
) -> None:
    """The desk's button opens the break-glass form; nothing is granted until it is sent."""
    browser = client(world, "desk")
    page = browser.post("/desk/break-glass", data={**looked_up(browser), "step": "start"})
    assert 200 == page.status_code and "Why do you need emergency access?" in page.text
    assert [] == records(world, "break-glass")


def test_breaking_glass_without_an_explanation_grants_nothing(world: ConsoleWorld) -> None:
    """The free text is required: an error beside it, and no grant."""
    browser = client(world, "desk")
    form = {**looked_up(browser), "reason_code": "immediate-risk-to-life", "reason_text": ""}
    page = browser.post("/desk/break-glass", data=form)
    assert 400 == page.status_code and 'href="#reason_text"' in page.text
    assert [] == records(world, "break-glass")


def test_glass_cannot_be_broken_for_a_child_the_desk_did_not_look_up(world: ConsoleWorld) -> None:
    """A child id without the page's MAC (or with another child's) is refused and audited."""
    browser = client(world, "desk")
    form = {
        **looked_up(browser),
        "reason_code": "immediate-risk-to-life",
        "reason_text": "Urgent.",
    }
    form["child_id"] = "00000000-0000-0000-0000-000000000000"
    assert 403 == browser.post("/desk/break-glass", data=form).status_code
    assert [] == records(world, "break-glass")
    assert "break glass only" in records(world, "access-refused")[-1]["reason"]
