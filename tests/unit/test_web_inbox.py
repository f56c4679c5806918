"""The web console's alert inbox: the caller's alerts, urgent first; acknowledged and audited."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hub.alerts.store import ACKNOWLEDGED
from tests.fixtures.console import (
    ConsoleWorld,
    alerts_sharing_a_deadline,
    client,
    console_world,
    records,
    token,
)
from tests.fixtures.lookup_world import NOW


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def alert_ids(page: str) -> list[str]:
    """The alerts an inbox page lists, in its order."""
    return re.findall(r'href="/inbox/alerts/([^"]+)"', page)


def test_the_lead_social_worker_sees_their_alerts_urgent_first(world: ConsoleWorld) -> None:
    """Alerts addressed to the lead (and to their team) are listed, urgent before routine."""
    page = client(world, "lead").get("/inbox").text
    shown = alert_ids(page)
    stored = {alert.alert_id: alert for alert in world.parts.alerts.select("1=1", ())}
    assert shown and all(stored[a].recipient.organisation == "383" for a in shown)
    urgencies = [stored[a].urgency for a in shown]
    assert urgencies == sorted(urgencies, key=lambda u: u != "urgent")
    delivered = records(world, "alert-delivered")
    assert {("web", "alex@la.example.org.uk")} == {
        (r["channel"], r["to"]["user"]) for r in delivered
    }


def test_an_alert_past_its_deadline_is_marked_overdue(world: ConsoleWorld) -> None:
    """A month later, every alert still open is past its acknowledgement deadline."""
    assert "Overdue" not in client(world, "lead").get("/inbox").text
    world.parts.clock = lambda: NOW + timedelta(days=30)
    assert "Overdue" in client(world, "lead").get("/inbox").text


def test_a_personal_alert_is_not_shown_to_a_colleague(world: ConsoleWorld) -> None:
    """The duty social worker of the same authority sees the team's alerts, not the lead's own."""
    lead = set(alert_ids(client(world, "lead").get("/inbox").text))
    duty = set(alert_ids(client(world, "duty").get("/inbox").text))
    assert duty and duty < lead


def test_acknowledging_records_outcome_and_note_and_stops_escalation(world: ConsoleWorld) -> None:
    """An acknowledgement with an outcome and a note closes the alert: its escalation never comes.

    Two alerts share a deadline; the lead acknowledges one on the page. Once the
    deadline has passed (the hub's clock moved, no waiting), the hub's escalation step
    escalates the other and not the acknowledged one.
    """
    browser = client(world, "lead")
    first, other, deadline = alerts_sharing_a_deadline(world, alert_ids(browser.get("/inbox").text))
    form = {
        "csrf_token": token(browser, "/chronology"),
        "alert_id": first,
        "outcome": "visit-arranged",
        "note": "Home visit booked for tomorrow.",
    }
    answer = browser.post("/inbox/acknowledge", data=form)
    assert 200 == answer.status_code and "Alert acknowledged" in answer.text
    assert first not in alert_ids(answer.text)
    alert = world.parts.alerts.get(first)
    assert alert is not None and ACKNOWLEDGED == alert.state
    [ack] = records(world, "alert-acknowledged")
    assert ("visit-arranged", "Home visit booked for tomorrow.") == (ack["outcome"], ack["note"])
    assert [] == world.alerts.raiser.escalate_due()  # the deadline has not passed yet

    world.clock.set(datetime.fromisoformat(deadline) + timedelta(minutes=1))
    escalated = {escalation.escalates for escalation in world.alerts.raiser.escalate_due()}

    assert other in escalated
    assert first not in escalated
    acknowledged = world.parts.alerts.get(first)
    assert acknowledged is not None and 0 == acknowledged.escalated_to_level


def test_an_acknowledgement_without_an_outcome_changes_nothing(world: ConsoleWorld) -> None:
    """No outcome chosen: the error is shown beside the radios and the alert stays open."""
    browser = client(world, "lead")
    first = alert_ids(browser.get("/inbox").text)[0]
    answer = browser.post(
        "/inbox/acknowledge", data={"csrf_token": token(browser, "/chronology"), "alert_id": first}
    )
    assert 400 == answer.status_code
    assert 'href="#outcome"' in answer.text and "Select what you did" in answer.text
    assert [] == records(world, "alert-acknowledged")


def test_someone_elses_alert_cannot_be_acknowledged(world: ConsoleWorld) -> None:
    """Another authority's social worker posting the lead's alert id: not found, and audited."""
    first = alert_ids(client(world, "lead").get("/inbox").text)[0]
    other = client(world, "other-la")
    answer = other.post(
        "/inbox/acknowledge",
        data={
            "csrf_token": token(other, "/chronology"),
            "alert_id": first,
            "outcome": "already-known",
        },
    )
    assert 404 == answer.status_code
    assert [] == records(world, "alert-acknowledged")
    assert ["NOT_FOUND"] == [r["status"] for r in records(world, "access-refused")]


def test_an_alert_opens_on_its_own_page_with_the_acknowledgement_form(
    world: ConsoleWorld,
) -> None:
    """The alert's page gives what happened, its deadline, the form and the chronology button."""
    browser = client(world, "lead")
    first = alert_ids(browser.get("/inbox").text)[0]
    page = browser.get(f"/inbox/alerts/{first}")
    assert 200 == page.status_code
    assert "What did you do?" in page.text and 'id="open-chronology"' in page.text


def test_a_colleague_cannot_open_the_leads_own_alert(world: ConsoleWorld) -> None:
    """An alert addressed to the lead by name is "not found" for the duty social worker."""
    [personal, *_] = [
        a.alert_id
        for a in world.parts.alerts.select("1=1", ())
        if a.recipient.kind == "lead-social-worker"
    ]
    assert 200 == client(world, "lead").get(f"/inbox/alerts/{personal}").status_code
    assert 404 == client(world, "duty").get(f"/inbox/alerts/{personal}").status_code
    assert ["NOT_FOUND"] == [r["status"] for r in records(world, "access-refused")]


def test_the_desk_role_has_no_inbox(world: ConsoleWorld) -> None:
    """An A&E clinician is refused the inbox by the policy's calls."""
    assert 403 == client(world, "desk").get("/inbox").status_code
