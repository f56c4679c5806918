"""The web console's management-information page: the policy decides, figures and charts shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures.console import ConsoleWorld, client, console_world, records

WEEK = "/mi?report=all&from=2026-11-14&to=2026-11-20&by=agency"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def test_a_manager_sees_every_report_with_a_chart_beside_each_table(world: ConsoleWorld) -> None:
    """Each table with a chart column has an SVG image named by its title, then its table."""
    page = client(world, "manager").get(WEEK)
    assert 200 == page.status_code
    for table in ("sources", "referrals-by-agency", "alerts-by-rule", "plans-by-authority"):
        assert f'id="{table}"' in page.text
    charts = re.findall(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', page.text)
    assert len(charts) >= 4
    assert all(f'<title id="{names.split()[0]}">' in page.text for names in charts)


def test_the_page_says_first_which_sources_are_late(world: ConsoleWorld) -> None:
    """The lookup world has no school data: incomplete, and SCHOOL is listed as silent."""
    text = client(world, "manager").get(WEEK).text
    head = text[text.index('id="completeness"') : text.index('id="late-sources"') + 2000]
    assert "Incomplete" in head and "SCHOOL: silent" in head
    assert text.index('id="completeness"') < text.index('id="sources"')


def test_alerts_raised_in_the_week_are_counted(world: ConsoleWorld) -> None:
    """The world's alerts (raised on 20 November) appear in the alert table's total."""
    raised = [
        alert
        for alert in world.parts.alerts.select("escalation_level = 0 AND superseded_by IS NULL")
        if alert.state != "refused"
    ]
    text = client(world, "manager").get("/mi?report=alerts&from=2026-11-14&to=2026-11-20").text
    table = text[text.index('id="alerts-by-rule"') :]
    total = re.search(r"Total</th>\s*<td[^>]*>(\d+)</td>", table)
    assert total is not None and str(len(raised)) == total.group(1)


def test_each_view_is_recorded_as_a_report_run(world: ConsoleWorld) -> None:
    """An mi-report record names the viewer, the report, the period and the web console."""
    client(world, "manager").get(WEEK)
    [run] = records(world, "mi-report")
    assert ("manager-1", "mi:all", "web-console") == (run["viewer"]["id"], run["view"], run["peer"])
    assert {"from": "2026-11-14", "to": "2026-11-20"} == run["period"]


def test_a_social_worker_is_refused_and_the_refusal_audited(world: ConsoleWorld) -> None:
    """A role the policy's management-information call does not name gets 403, audited."""
    assert 403 == client(world, "lead").get("/mi").status_code
    assert ["management-information"] == [r["call"] for r in records(world, "access-refused")]
    assert [] == records(world, "mi-report")


def test_a_wrong_date_is_shown_beside_the_field_and_runs_nothing(world: ConsoleWorld) -> None:
    """A period that is not dates: 400, the GOV.UK error summary, no report run."""
    page = client(world, "manager").get("/mi?from=last+week")
    assert 400 == page.status_code and "There is a problem" in page.text
    assert 'href="#from"' in page.text and [] == records(world, "mi-report")


def test_the_start_page_links_the_manager_to_the_page(world: ConsoleWorld) -> None:
    """The manager's navigation offers management information and nothing clinical."""
    text = client(world, "manager").get("/").text
    assert 'href="/mi"' in text and 'href="/desk"' not in text
