"""A child's chronology as the policy lets the caller see it.

The caller's relationship to the child comes from the child's record
(``hub.access.callers.reader_relationship``); every entry is decided, rendered
and audited by ``DisclosureService.chronology_for``, the same call as ``hub
chronology --as-role``. Entries it withholds appear only as "not shared" with
the category of the reason: never their kind, date or content. The child is
named by NHS number (posted) or by the hub's pseudonymous id (from an alert).

"Download court chronology (PDF)" posts the same child to ``/chronology/download``:
the recipient (role, organisation, relationship) is decided as for the page, and the
signed PDF is issued by ``DocumentService.court_chronology``, as ``hub export
chronology`` issues it (the last two years, as that command does by default).
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.access.callers import Caller, reader_relationship
from hub.application.break_glass import active_grant
from hub.documents.court_chronology import last_two_years
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient
from hub.web.access import purpose_of
from hub.web.downloads import pdf_download
from hub.web.forms import FormErrors, check_nhs_number, read_form
from hub.web.pages import Pages, words

CALL = "child-chronology"


def shown_entry(shown: dict[str, Any]) -> dict[str, str]:
    details = shown.get("details") or {}
    return {
        "when": str(shown.get("occurred_at") or "")[:16].replace("T", " "),
        "agency": words(str(shown.get("agency") or "")),
        "kind": words(str(shown.get("kind") or "")),
        "summary": str(shown.get("summary") or ""),
        "source": str(shown.get("source_organisation") or details.get("site_code") or ""),
        "disclosure": str(shown.get("disclosure") or ""),
        "withdrawn": "Withdrawn by its source" if details.get("withdrawn") else "",
    }


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def recipient_for(caller: Caller, key: str) -> Recipient:
        """The caller as the policy's recipient, related to the child as the record says."""
        try:
            child = parts.app.find_child(key)
            relationship = reader_relationship(caller, child)
        except ChildNotFoundError:
            relationship = "none"
        return caller.as_recipient(relationship)

    def search_page(request: Request, form: dict[str, str], errors: FormErrors) -> Response:
        context = {
            "title": "Chronology",
            "form": form,
            "errors": errors.summary(),
            "field_errors": errors,
        }
        return pages.render(request, "chronology_search.html", context, 400 if errors else 200)

    def chronology(request: Request, caller: Caller, key: str, nhs_number: str) -> Response:
        purpose = purpose_of(parts, CALL, caller.identity.role)
        recipient = recipient_for(caller, key)
        view = parts.disclosure.chronology_for(recipient, purpose, key)
        if view.child_id is None:
            return pages.render(
                request, "chronology.html", {"title": "No record held", "view": None}
            )
        grant = active_grant(parts.audit, recipient.id, str(view.child_id))
        context = {
            "title": "Chronology",
            "view": view,
            "nhs_number": nhs_number,
            "reference": str(view.child_id)[:8],
            "entries": [shown_entry(shown) for shown in view.entries],
            "not_shared": sorted(Counter(view.not_shared).items()),
            "relationship": words(recipient.relationship),
            "child_id": str(view.child_id),
            "downloadable": True,  # not the desk's break-glass view: no court chronology there
            "break_glass": grant,
        }
        return pages.render(request, "chronology.html", context)

    async def show(request: Request) -> Response:
        guard.caller(request, CALL)
        return search_page(request, {}, FormErrors())

    def court_chronology(request: Request, caller: Caller, key: str) -> Response:
        purpose = purpose_of(parts, CALL, caller.identity.role)
        period = last_two_years(parts.clock().date())
        try:
            issued = parts.documents().court_chronology(
                recipient_for(caller, key), purpose, key, period
            )
        except ChildNotFoundError:  # audited by the service as "no record held"
            return pages.render(
                request, "chronology.html", {"title": "No record held", "view": None}
            )
        return pdf_download(issued)

    def child_key(form: dict[str, str], errors: FormErrors) -> tuple[str, str]:
        """The child the form names (hub id or NHS number) and the NHS number posted."""
        child_id = form.get("child_id", "")
        if child_id:
            try:
                return str(UUID(child_id)), ""
            except ValueError:
                errors.add("nhs_number", "That link to a child's chronology is not valid")
                return "", ""
        nhs_number = check_nhs_number(form.get("nhs_number", ""), errors)
        return f"nhs/{nhs_number}", nhs_number

    async def open_chronology(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        key, nhs_number = child_key(form, errors)
        if errors:
            return search_page(request, {} if form.get("child_id") else form, errors)
        return await run_in_threadpool(chronology, request, caller, key, nhs_number)

    async def download(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        key, _ = child_key(form, errors)
        if errors:
            return search_page(request, {} if form.get("child_id") else form, errors)
        return await run_in_threadpool(court_chronology, request, caller, key)

    return [
        Route("/chronology", show, methods=["GET"]),
        Route("/chronology", open_chronology, methods=["POST"]),
        Route("/chronology/download", download, methods=["POST"]),
    ]
