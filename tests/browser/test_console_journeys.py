"""Each journey of the web console in Chromium, with client certificates, checked by axe-core."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.browser.conftest import Console, OpenAs, check_accessibility
from tests.fixtures.console import SHIELDED_ADDRESS, alerts_sharing_a_deadline
from tests.fixtures.lookup_world import JAMES, LILY
from tests.fixtures.pdf_text import pdf_text


def test_the_desk_finds_a_child_on_a_plan(console: Console, open_as: OpenAs) -> None:
    """A clinician types an NHS number and sees the plan, whom to call and recent visits."""
    page = open_as("desk")
    page.goto(console.url + "/")
    check_accessibility(page, "start")
    page.get_by_role("link", name="A&E desk").first.click()
    check_accessibility(page, "desk")
    page.get_by_label("NHS number").fill("943 476 5919")
    page.get_by_role("button", name="Search by NHS number").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("On a child protection plan")
    expect(page.locator("#contact")).to_contain_text("0113 000 0002")
    expect(page.locator("#access-notified")).to_be_visible()
    assert "nhs" not in page.url and JAMES.nhs not in page.url
    assert SHIELDED_ADDRESS not in page.content()
    check_accessibility(page, "desk-answer")


def test_a_wrong_check_digit_is_explained_beside_the_field(
    console: Console, open_as: OpenAs
) -> None:
    """The GOV.UK error summary takes focus and links to the field, which says what is wrong."""
    page = open_as("desk")
    page.goto(console.url + "/desk")
    page.get_by_label("NHS number").fill("943 476 5918")
    page.get_by_role("button", name="Search by NHS number").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link").click()
    expect(page.get_by_label("NHS number")).to_be_focused()
    expect(page.locator("#nhs_number-error")).to_contain_text("check digit")
    check_accessibility(page, "desk-error")


def test_an_ambiguous_search_never_guesses(console: Console, open_as: OpenAs) -> None:
    """Twins and a misspelt name: the desk is told more than one child could match."""
    page = open_as("desk")
    page.goto(console.url + "/desk")
    page.get_by_label("Given name").fill("Lilo")
    page.get_by_label("Family name").fill("Jones")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2018")
    page.get_by_label("Postcode").fill(LILY.postcode)
    page.get_by_role("button", name="Search by details").click()
    expect(page.locator("#ambiguous")).to_contain_text("will not guess")
    check_accessibility(page, "desk-ambiguous")


def test_a_role_the_policy_refuses_gets_a_refusal_page(console: Console, open_as: OpenAs) -> None:
    """A school's DSL opening the desk is refused (403) and the refusal is audited."""
    page = open_as("dsl")
    response = page.goto(console.url + "/desk")
    assert response is not None and 403 == response.status
    expect(page.locator("#refusal-reason")).to_contain_text("may not make child-lookup calls")
    assert any(
        r["caller"] and r["caller"]["user"] == "dsl-1" for r in console.records("access-refused")
    )
    check_accessibility(page, "refused")


def test_without_a_certificate_nothing_is_shown(console: Console, open_as: OpenAs) -> None:
    """No client certificate: the console refuses with 401 and audits it."""
    page = open_as(None)
    response = page.goto(console.url + "/")
    assert response is not None and 401 == response.status
    expect(page.get_by_role("heading", level=1)).to_have_text("You need a client certificate")


def test_a_certificate_from_another_ca_fails_the_handshake_and_is_audited(
    console: Console, open_as: OpenAs
) -> None:
    """A certificate the hub's CA did not issue never reaches a page; the handshake is audited."""
    before = len(console.records("access-refused"))
    page = open_as("desk", certs=console.rogue)
    try:
        response = page.goto(console.url + "/desk")
        shown = response is not None and response.ok and "protection status" in page.content()
    except PlaywrightError:  # the browser's own error for the failed handshake
        shown = False
    assert not shown
    refusals = console.records("access-refused")[before:]
    assert any("certificate" in r["reason"] for r in refusals)


def test_the_lead_acknowledges_an_alert_and_opens_the_chronology(
    console: Console, open_as: OpenAs
) -> None:
    """Inbox, acknowledgement with outcome and note, then the chronology; no escalation follows.

    Of two alerts with one deadline the lead acknowledges one; once the deadline has
    passed (the hub's clock moved, then put back), the hub's escalation step escalates
    the other only.
    """
    page = open_as("lead")
    page.goto(console.url + "/inbox")
    check_accessibility(page, "inbox")
    shown = [
        (link.get_attribute("href") or "").rsplit("/", 1)[-1]
        for link in page.locator("#alerts a").all()
    ]
    alert_id, other, deadline = alerts_sharing_a_deadline(console.world, shown)
    page.locator(f'#alerts a[href="/inbox/alerts/{alert_id}"]').click()
    check_accessibility(page, "inbox-alert")
    page.get_by_label("Visit or appointment arranged").check()
    page.get_by_label("Note (optional)").fill("Home visit booked.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#acknowledged-banner")).to_be_visible()
    alert = console.world.parts.alerts.get(alert_id)
    assert alert is not None and "acknowledged" == alert.state
    assert f"/inbox/alerts/{alert_id}" not in page.content()
    clock = console.world.clock
    now = clock.now()
    try:
        clock.set(datetime.fromisoformat(deadline) + timedelta(minutes=1))
        escalated = {e.escalates for e in console.world.alerts.raiser.escalate_due()}
    finally:
        clock.set(now)
    assert other in escalated and alert_id not in escalated
    page.locator("#alerts a").first.click()
    page.get_by_role("button", name="Open the chronology").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Chronology")
    check_accessibility(page, "chronology")


def test_a_sealed_entry_shows_only_as_not_shared(console: Console, open_as: OpenAs) -> None:
    """The lead sees James's sexual-health attendance only as "not shared", with the reason."""
    page = open_as("lead")
    page.goto(console.url + "/chronology")
    page.get_by_label("Open a child's chronology").fill(JAMES.nhs)
    page.get_by_role("button", name="Open chronology").click()
    expect(page.locator("#not-shared")).to_contain_text("sensitivity label")
    assert "2026-11-19" not in page.content()


def test_the_lead_downloads_the_court_chronology(console: Console, open_as: OpenAs) -> None:
    """The download button gives the signed PDF as a file, with James's entries, audited."""
    page = open_as("lead")
    page.goto(console.url + "/chronology")
    page.get_by_label("Open a child's chronology").fill(JAMES.nhs)
    page.get_by_role("button", name="Open chronology").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download court chronology (PDF)").click()
    assert re.fullmatch(r"court-chronology-[0-9a-f-]{36}\.pdf", download.value.suggested_filename)
    assert JAMES.nhs not in download.value.url
    path = download.value.path()
    text = pdf_text(path.read_bytes())
    assert "Multi-agency chronology" in text and "Leeds General Infirmary" in text
    issued = console.records("document-issued")[-1]
    assert issued["document_id"] in download.value.suggested_filename


def test_the_shielded_address_is_on_no_page_the_gp_sees(console: Console, open_as: OpenAs) -> None:
    """The GP's chronology of James carries the police concern as a fact, never the address."""
    page = open_as("gp")
    page.goto(console.url + "/chronology")
    page.get_by_label("Open a child's chronology").fill(JAMES.nhs)
    page.get_by_role("button", name="Open chronology").click()
    expect(page.locator("#entries")).to_contain_text("contact the responsible authority")
    assert SHIELDED_ADDRESS not in page.content() and "WYP-2026" not in page.content()
    check_accessibility(page, "chronology-gp")


def test_the_ig_lead_reviews_disclosures(console: Console, open_as: OpenAs) -> None:
    """The IG review page, its disclosure log filtered, and the audit log verified."""
    page = open_as("ig")
    page.goto(console.url + "/ig")
    check_accessibility(page, "ig")
    page.get_by_label("Decision").select_option("refuse")
    page.get_by_role("button", name="Show disclosures").click()
    expect(page.locator("#disclosures")).to_contain_text("refuse")
    page.get_by_role("button", name="Verify the audit log now").click()
    expect(page.locator("#verified")).to_contain_text(re.compile(r"Verified"))
    check_accessibility(page, "ig-results")


def test_break_glass_from_the_desk_is_marked_on_every_page(
    console: Console, open_as: OpenAs
) -> None:
    """A clinician breaks glass with a coded reason: the chronology, and a banner on each page."""
    page = open_as("desk")
    page.goto(console.url + "/desk")
    page.get_by_label("NHS number").fill(JAMES.nhs)
    page.get_by_role("button", name="Search by NHS number").click()
    page.get_by_role("button", name="Request emergency access").click()
    check_accessibility(page, "break-glass-form")
    page.get_by_label("Child presenting unaccompanied").check()
    page.get_by_label("Explain the situation").fill("Arrived alone at night, injured.")
    page.get_by_role("button", name="Break glass").click()
    expect(page.locator("#break-glass-banner")).to_be_visible()
    expect(page.locator("#not-shared")).to_contain_text("sensitivity label")
    check_accessibility(page, "break-glass")
    page.goto(console.url + "/desk")
    expect(page.locator("#break-glass-banner")).to_be_visible()


def test_the_identity_officer_decides_a_held_record(console: Console, open_as: OpenAs) -> None:
    """The held record beside both twins; a decision with a reason releases it."""
    page = open_as("officer")
    page.goto(console.url + "/identity")
    expect(page.locator("main")).to_contain_text("Lilo Jones")
    check_accessibility(page, "identity")
    page.get_by_label("A child the hub does not know yet").check()
    page.get_by_label("Reason").fill("Police confirmed a third child, Lilo, born the same day.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.locator("#decided-banner")).to_be_visible()
    expect(page.locator("#queue-empty")).to_be_visible()
