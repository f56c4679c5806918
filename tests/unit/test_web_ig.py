"""The web console's IG review: disclosures, break-glass cases, unrouted alerts, verification."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.application.break_glass import request_access
from hub.policy.engine import Recipient
from tests.fixtures.console import ConsoleWorld, client, console_world, records, token
from tests.fixtures.lookup_world import JAMES


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def post(world: ConsoleWorld, path: str, **form: str) -> str:
    browser = client(world, "ig")
    page = browser.post(path, data={"csrf_token": token(browser, "/ig"), **form})
    assert page.status_code in (200, 400)
    return page.text


def break_glass_case(world: ConsoleWorld) -> str:
    child = world.parts.app.find_child(f"nhs/{JAMES.nhs}")
    desk = Recipient("ae-desk-1", "unscheduled-care-clinician", "RXX01", "unscheduled-care", "none")
    grant = request_access(
        world.parts.audit,
        world.parts.policy,
        desk,
        str(child.id),
        "child-presenting-unaccompanied",
        "Child arrived alone at night",
    )
    return grant.case_id


def test_only_the_ig_lead_may_open_the_review_page(world: ConsoleWorld) -> None:
    """The IG lead gets the page; a social worker is refused, and the refusal is audited."""
    assert 200 == client(world, "ig").get("/ig").status_code
    assert 403 == client(world, "lead").get("/ig").status_code
    assert ["ig-review"] == [r["call"] for r in records(world, "access-refused")]


def test_the_disclosure_log_filters_by_decision(world: ConsoleWorld) -> None:
    """After a refused chronology, filtering on "refuse" lists only refusals; view audited."""
    other = client(world, "other-la")
    other.post(
        "/chronology",
        data={"csrf_token": token(other, "/chronology"), "nhs_number": JAMES.nhs},
    )
    page = post(world, "/ig/disclosures", decision="refuse", recipient="sw-9")
    table = page[page.index('id="disclosures"') :]
    assert "matching decisions" in table and ">refuse<" in table and ">full<" not in table
    viewed = records(world, "audit-view")
    assert {"decision": "refuse", "recipient": "sw-9"} == viewed[-2]["filters"]


def test_a_break_glass_case_is_reviewed_and_closed(world: ConsoleWorld) -> None:
    """An open case is listed with its reason; closing it with a finding and notes records it."""
    case_id = break_glass_case(world)
    page = client(world, "ig").get("/ig").text
    assert "Child arrived alone at night" in page and f'value="{case_id}"' in page
    closed = post(
        world, "/ig/break-glass", case_id=case_id, outcome="justified", notes="Appropriate."
    )
    assert "Break-glass case closed" in closed and f'value="{case_id}"' not in closed
    [review] = records(world, "break-glass-review")
    assert ("justified", "ig-1@HUB") == (review["outcome"], review["reviewer"])


def test_closing_a_case_without_notes_is_an_error(world: ConsoleWorld) -> None:
    """Review notes are required: the error is shown beside them and the case stays open."""
    case_id = break_glass_case(world)
    page = post(world, "/ig/break-glass", case_id=case_id, outcome="justified", notes=" ")
    assert f'href="#notes-{case_id}"' in page and "Enter the review notes" in page
    assert [] == records(world, "break-glass-review")


def test_the_subject_access_report_lists_what_was_disclosed(world: ConsoleWorld) -> None:
    """After the lead read James's chronology, his report lists those decisions."""
    lead = client(world, "lead")
    lead.post(
        "/chronology", data={"csrf_token": token(lead, "/chronology"), "nhs_number": JAMES.nhs}
    )
    page = post(world, "/ig/subject-access", sar_nhs_number=JAMES.nhs)
    rows = re.findall(r"alex@la.example.org.uk \(social-worker, 383\)", page)
    assert len(rows) >= 5


def test_the_audit_log_verifies(world: ConsoleWorld) -> None:
    """The verification button runs the same checks as hub audit verify."""
    page = post(world, "/ig/verify")
    assert "Verified" in page and "signed tree heads" in page
