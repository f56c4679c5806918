"""The manager's journey in Chromium: management information, completeness first, axe-checked."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Console, OpenAs, check_accessibility


def test_the_manager_reads_a_weeks_figures_and_sees_what_is_missing(
    console: Console, open_as: OpenAs
) -> None:
    """Start page to a week's report: incomplete, the late source named, charts and tables."""
    page = open_as("manager")
    page.goto(console.url + "/")
    check_accessibility(page, "start-manager")
    page.get_by_role("link", name="Management information").first.click()
    check_accessibility(page, "mi-form")
    page.get_by_label("From", exact=True).fill("2026-11-14")
    page.get_by_label("To", exact=True).fill("2026-11-20")
    page.get_by_label("Count by").select_option("agency")
    page.get_by_role("button", name="Show the figures").click()
    expect(page.locator("#report-title")).to_contain_text("2026-11-14 to 2026-11-20")
    expect(page.locator("#completeness")).to_contain_text("Incomplete")
    expect(page.locator("#late-sources")).to_contain_text("SCHOOL")
    expect(page.get_by_role("img", name="Raised by rule")).to_be_visible()
    expect(page.locator("#alerts-by-rule")).to_contain_text("Total")
    assert console.records("mi-report")[-1]["peer"] == "web-console"
    check_accessibility(page, "mi-report")


def test_a_wrong_date_is_explained_beside_the_field(console: Console, open_as: OpenAs) -> None:
    """The GOV.UK error summary links to the period's field; nothing is run."""
    page = open_as("manager")
    page.goto(console.url + "/mi")
    page.get_by_label("From", exact=True).fill("last week")
    page.get_by_role("button", name="Show the figures").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page.locator("#from-error")).to_contain_text("dates like")
    check_accessibility(page, "mi-error")
