"""The web console's A&E desk: the lookup through the policy, bad input, refusals, headers."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.fixtures.console import (
    SHIELDED_ADDRESS,
    ConsoleWorld,
    client,
    console_world,
    records,
    token,
)
from tests.fixtures.lookup_world import JAMES, LILY


@pytest.fixture
def world(tmp_path: Path) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path) as built:
        yield built


def search(browser: TestClient, **fields: str) -> Any:
    return browser.post("/desk", data={"csrf_token": token(browser, "/desk"), **fields})


def test_a_desk_lookup_shows_plan_contacts_and_attendances(world: ConsoleWorld) -> None:
    """James is on a plan: the page gives the plan, whom to call, visits; the LA is told."""
    page = search(client(world, "desk"), search="nhs", nhs_number="943 476 5919")
    assert 200 == page.status_code
    text = page.text
    assert "On a child protection plan" in text
    assert "0113 000 0001" in text and "0113 000 0002" in text
    assert "Wharfe Valley Minor Injury Unit" in text
    assert 'id="access-notified"' in text
    [lookup] = records(world, "lookup")
    assert ("matched", "ae-desk-1") == (lookup["outcome"], lookup["caller"]["user"])
    assert 1 == len(records(world, "access-to-service"))


def test_a_shielded_address_appears_on_no_desk_page(world: ConsoleWorld) -> None:
    """The refuge address a label keeps from the desk's role is on none of its pages."""
    page = search(client(world, "desk"), search="nhs", nhs_number=JAMES.nhs)
    assert "Police notified a domestic abuse incident" in page.text
    assert SHIELDED_ADDRESS not in page.text and "WYP-20261118" not in page.text


def test_an_nhs_number_failing_its_check_digit_is_shown_beside_the_field(
    world: ConsoleWorld,
) -> None:
    """A wrong check digit: error summary linking to the field, message beside it, no lookup."""
    page = search(client(world, "desk"), search="nhs", nhs_number="943 476 5918")
    assert 400 == page.status_code
    assert "govuk-error-summary" in page.text and 'href="#nhs_number"' in page.text
    assert 'id="nhs_number-error"' in page.text and "check digit" in page.text
    assert page.text.startswith("<!DOCTYPE html>") and "<title>Error: " in page.text
    assert [] == records(world, "lookup")


@pytest.mark.parametrize(
    ("day", "month", "year", "message"),
    [
        ("31", "2", "2016", "must be a real date"),
        ("1", "1", "2099", "today or in the past"),
        ("", "3", "2015", "must include a day"),
        ("", "", "", "Enter the child's date of birth"),
    ],
)
def test_an_impossible_or_future_date_of_birth_is_an_error(
    world: ConsoleWorld, day: str, month: str, year: str, message: str
) -> None:
    """Dates of birth that are missing, impossible or in the future are refused beside the field."""
    fields = {"dob-day": day, "dob-month": month, "dob-year": year}
    page = search(
        client(world, "desk"),
        search="details",
        given_name="James",
        family_name="Smith",
        postcode="LS1 4AB",
        **fields,
    )
    assert 400 == page.status_code
    assert message in html.unescape(page.text) and 'href="#dob-day"' in page.text
    assert [] == records(world, "lookup")


def test_an_over_long_name_is_an_error_and_nothing_is_looked_up(world: ConsoleWorld) -> None:
    """A 36-character family name is refused beside its field."""
    page = search(
        client(world, "desk"),
        search="details",
        given_name="James",
        family_name="S" * 36,
        postcode="LS1 4AB",
        **{"dob-day": "4", "dob-month": "3", "dob-year": "2015"},
    )
    assert 400 == page.status_code and "35 characters or fewer" in page.text
    assert [] == records(world, "lookup")


def test_an_ambiguous_search_says_so_and_shows_nothing(world: ConsoleWorld) -> None:
    """Twins Lily and Lila: "Lilo Jones" could be either, so the desk is told, not guessed at."""
    page = search(
        client(world, "desk"),
        search="details",
        given_name="Lilo",
        family_name="Jones",
        postcode=LILY.postcode,
        **{"dob-day": "2", "dob-month": "2", "dob-year": "2018"},
    )
    assert 200 == page.status_code
    assert "More than one child could match" in page.text and "will not guess" in page.text
    assert "attendances" not in page.text
    assert ["ambiguous"] == [r["outcome"] for r in records(world, "lookup")]


def test_a_role_the_policy_does_not_let_look_up_is_refused_and_audited(
    world: ConsoleWorld,
) -> None:
    """A school's DSL may not use the desk: 403, and the refusal is in the audit log."""
    page = client(world, "dsl").get("/desk")
    assert 403 == page.status_code and "may not make child-lookup calls" in page.text
    [refusal] = records(world, "access-refused")
    assert ("child-lookup", "PERMISSION_DENIED") == (refusal["call"], refusal["status"])


def test_no_certificate_is_refused_and_audited(world: ConsoleWorld) -> None:
    """Without a client certificate every page is refused (401) and the refusal recorded."""
    page = client(world, None).get("/")
    assert 401 == page.status_code
    assert ["UNAUTHENTICATED"] == [r["status"] for r in records(world, "access-refused")]


def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(
    world: ConsoleWorld,
) -> None:
    """No token, a forged token, or another site's origin: 403, audited, no lookup made."""
    browser = client(world, "desk")
    good = token(browser, "/desk")
    attempts = [
        ({"search": "nhs", "nhs_number": JAMES.nhs}, {}),
        (
            {
                "search": "nhs",
                "nhs_number": JAMES.nhs,
                "csrf_token": good[:-1] + ("1" if good.endswith("0") else "0"),
            },
            {},
        ),
        (
            {"search": "nhs", "nhs_number": JAMES.nhs, "csrf_token": good},
            {"origin": "https://evil.example"},
        ),
    ]
    for form, headers in attempts:
        assert 403 == browser.post("/desk", data=form, headers=headers).status_code
    assert [] == records(world, "lookup")
    reasons = [r["reason"] for r in records(world, "access-refused")]
    assert 3 == len(reasons) and all("CSRF" in reason for reason in reasons)


def test_another_users_token_does_not_pass(world: ConsoleWorld) -> None:
    """A token is bound to the certificate it was issued to."""
    gp_token = token(client(world, "gp"), "/chronology")
    page = client(world, "desk").post(
        "/desk", data={"search": "nhs", "nhs_number": JAMES.nhs, "csrf_token": gp_token}
    )
    assert 403 == page.status_code


def test_pages_carry_a_strict_csp_hsts_and_no_store(world: ConsoleWorld) -> None:
    """The desk's page is never cached, may not be framed, and runs only the console's scripts."""
    page = client(world, "desk").get("/desk")
    headers = page.headers
    assert "no-store" == headers["cache-control"]
    assert "max-age=31536000" in headers["strict-transport-security"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", headers["content-security-policy"])
    assert nonce is not None and f'nonce="{nonce.group(1)}"' in page.text
    assert "unsafe-inline" not in headers["content-security-policy"]


def test_nhs_numbers_are_posted_never_put_in_the_address(world: ConsoleWorld) -> None:
    """Every form on the desk posts; none names a child in a URL's query string."""
    page = client(world, "desk").get("/desk").text
    assert 2 == page.count('method="post"') and 'method="get"' not in page


def test_a_body_that_is_not_a_form_or_too_large_is_refused(world: ConsoleWorld) -> None:
    """JSON is not a form (400); a 17 KB form is too large (413); neither looks anything up."""
    browser = client(world, "desk")
    assert 400 == browser.post("/desk", json={"nhs_number": JAMES.nhs}).status_code
    big = browser.post("/desk", data={"csrf_token": token(browser, "/desk"), "x": "a" * 17000})
    assert 413 == big.status_code
    assert [] == records(world, "lookup")
