"""The console's downloads: the court chronology and the subject-access response as signed PDFs.

Both are issued by ``DocumentService`` (as ``hub export chronology`` and ``hub sar
--format pdf`` issue them): the tests read the PDF's text with pdftotext, find the
``document-issued`` record with the file's SHA-256, and check that a role the page
refuses, or a form without its CSRF token, gets the refusal page and no PDF.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from httpx2 import Response

from hub.documents.service import ISSUED
from hub.documents.signing import trust_root
from hub.documents.verify import verify_document
from tests.fixtures.console import SHIELDED_ADDRESS, ConsoleWorld, client, console_world, records
from tests.fixtures.console import token as csrf_token
from tests.fixtures.lookup_world import JAMES, UNKNOWN_NHS
from tests.fixtures.pdf_text import pdf_pages, pdf_text


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleWorld]:
    with console_world(tmp_path_factory.mktemp("downloads")) as built:
        yield built


def download(world: ConsoleWorld, user: str, path: str, page: str, **form: str) -> Response:
    browser = client(world, user)
    return browser.post(path, data={"csrf_token": csrf_token(browser, page), **form})


def issued_record(world: ConsoleWorld, pdf: bytes) -> dict[str, object]:
    sha256 = hashlib.sha256(pdf).hexdigest()
    [record] = [r for r in records(world, ISSUED) if r["sha256"] == sha256]
    return record


def assert_is_download(response: Response, kind: str) -> bytes:
    assert 200 == response.status_code
    assert "application/pdf" == response.headers["content-type"]
    assert "no-store" == response.headers["cache-control"]
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="{kind}-')
    assert JAMES.nhs not in disposition and JAMES.family not in disposition
    assert response.content.startswith(b"%PDF")
    return response.content


def assert_furniture(pdf: bytes, record: dict[str, object], for_whom: str) -> None:
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages, start=1):
        flat = " ".join(page.split())
        assert f"Page {number} of {len(pages)}" in flat
        assert f"Document id {record['document_id']}" in flat
        assert for_whom in flat


def test_the_lead_downloads_the_court_chronology_the_page_shows(world: ConsoleWorld) -> None:
    """The lead social worker's PDF: James's entries, furniture, a document-issued record."""
    response = download(world, "lead", "/chronology/download", "/chronology", nhs_number=JAMES.nhs)
    pdf = assert_is_download(response, "court-chronology")
    text = pdf_text(pdf)
    assert "Multi-agency chronology" in text and "Leeds General Infirmary" in text
    record = issued_record(world, pdf)
    assert "court-chronology" == record["document_kind"]
    assert record["entries_shown"]
    for_whom = "alex@la.example.org.uk (social-worker, 383; lead social worker) for safeguarding"
    assert for_whom == record["for"]
    assert_furniture(pdf, record, for_whom)
    assert SHIELDED_ADDRESS not in text
    verdict = verify_document(pdf, world.parts.audit, trust_root(world.settings.certs_dir))
    assert verdict.genuine, verdict.problems  # what ``hub export verify`` checks


def test_no_record_held_is_a_page_not_a_document(world: ConsoleWorld) -> None:
    """An NHS number the hub does not hold: the page's answer, audited, and no PDF issued."""
    before = len(records(world, ISSUED))
    response = download(
        world, "lead", "/chronology/download", "/chronology", nhs_number=UNKNOWN_NHS
    )
    assert 200 == response.status_code and "text/html" in response.headers["content-type"]
    assert "This does not mean there is no concern" in response.text
    assert before == len(records(world, ISSUED))
    assert UNKNOWN_NHS not in response.headers.get("content-disposition", "")


def test_the_chronology_page_offers_the_download_by_post(world: ConsoleWorld) -> None:
    """The button posts the NHS number with the CSRF token to the download, never in a URL."""
    browser = client(world, "lead")
    page = browser.post(
        "/chronology",
        data={"csrf_token": csrf_token(browser, "/chronology"), "nhs_number": JAMES.nhs},
    ).text
    assert 'action="/chronology/download"' in page and "Download court chronology (PDF)" in page
    assert f'name="nhs_number" value="{JAMES.nhs}"' in page
    assert f"?nhs_number={JAMES.nhs}" not in page


def test_a_chronology_opened_from_an_alert_downloads_by_the_hubs_reference(
    world: ConsoleWorld,
) -> None:
    """Opened from the inbox, the page names the child by hub id; the download posts that."""
    [alert, *_] = [
        a for a in world.parts.alerts.select("1=1", ()) if a.recipient.kind == "lead-social-worker"
    ]
    browser = client(world, "lead")
    page = browser.post(
        "/chronology",
        data={"csrf_token": csrf_token(browser, "/chronology"), "child_id": alert.child_id},
    ).text
    assert f'name="child_id" value="{alert.child_id}"' in page
    response = download(
        world, "lead", "/chronology/download", "/chronology", child_id=alert.child_id
    )
    pdf = assert_is_download(response, "court-chronology")
    assert alert.child_id == issued_record(world, pdf)["child_id"]


def test_a_role_the_page_refuses_gets_no_pdf_and_a_refusal_record(world: ConsoleWorld) -> None:
    """The A&E desk may not open chronologies: the refusal page, audited, and no document."""
    before = len(records(world, ISSUED))
    browser = client(world, "desk")
    response = browser.post(
        "/chronology/download",
        data={"csrf_token": csrf_token(browser, "/desk"), "nhs_number": JAMES.nhs},
    )
    assert 403 == response.status_code and "text/html" in response.headers["content-type"]
    assert before == len(records(world, ISSUED))
    refusal = records(world, "access-refused")[-1]
    assert "child-chronology" == refusal["call"] and "ae-desk-1" == refusal["caller"]["user"]


@pytest.mark.parametrize(
    ("path", "field"),
    [("/chronology/download", "nhs_number"), ("/ig/subject-access/download", "sar_nhs_number")],
)
def test_a_form_without_its_csrf_token_is_refused(
    world: ConsoleWorld, path: str, field: str
) -> None:
    """No token, no document: the refusal is audited."""
    before = len(records(world, ISSUED))
    user = "ig" if path.startswith("/ig") else "lead"
    response = client(world, user).post(path, data={field: JAMES.nhs})
    assert 403 == response.status_code and not response.content.startswith(b"%PDF")
    assert before == len(records(world, ISSUED))
    assert "CSRF" in records(world, "access-refused")[-1]["reason"]


def test_the_ig_lead_downloads_the_subject_access_response(world: ConsoleWorld) -> None:
    """The Article 15 response for the IG lead, as ``hub sar --format pdf`` issues it."""
    response = download(world, "ig", "/ig/subject-access/download", "/ig", sar_nhs_number=JAMES.nhs)
    pdf = assert_is_download(response, "subject-access-report")
    text = pdf_text(pdf)
    assert "Subject access response" in text and "Leeds General Infirmary" in text
    assert SHIELDED_ADDRESS not in text
    record = issued_record(world, pdf)
    assert "subject-access-report" == record["document_kind"]
    assert_furniture(pdf, record, "ig-1 (ig-lead, HUB; none) for subject access")


def test_the_ig_page_offers_the_subject_access_download(world: ConsoleWorld) -> None:
    """The subject-access form has a second button posting to the download."""
    page = client(world, "ig").get("/ig").text
    assert 'formaction="/ig/subject-access/download"' in page
    assert "Download subject-access response (PDF)" in page


def test_only_the_ig_lead_downloads_a_subject_access_response(world: ConsoleWorld) -> None:
    """A social worker is refused the IG page's call, so its download too."""
    before = len(records(world, ISSUED))
    browser = client(world, "lead")
    response = browser.post(
        "/ig/subject-access/download",
        data={"csrf_token": csrf_token(browser, "/chronology"), "sar_nhs_number": JAMES.nhs},
    )
    assert 403 == response.status_code and before == len(records(world, ISSUED))
    assert "ig-review" == records(world, "access-refused")[-1]["call"]
