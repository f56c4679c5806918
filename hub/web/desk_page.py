"""The A&E desk: search by NHS number, or by name, date of birth and postcode; see the answer.

The answer is the lookup service's (``ChildLookupService.lookup``), the same call
the gRPC ``ChildLookup`` makes: the caller's terms checked, each item decided by
the policy, one audit transaction, the responsible authority notified. The NHS
number is posted, never put in the address.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.lookup.answer import LookupAnswer
from hub.lookup.query import LookupQuery
from hub.web.access import purpose_of
from hub.web.break_glass_page import break_glass_routes
from hub.web.forms import (
    FormErrors,
    check_date_of_birth,
    check_name,
    check_nhs_number,
    check_postcode,
    read_form,
)
from hub.web.pages import Pages, words

CALL = "child-lookup"
FIELDS = ("nhs_number", "given_name", "family_name", "dob-day", "dob-month", "dob-year", "postcode")


def _query(form: dict[str, str], today: date, errors: FormErrors, purpose: str) -> LookupQuery:
    if form.get("search") == "details":
        given = check_name(form.get("given_name", ""), errors, "given_name", "given name")
        family = check_name(form.get("family_name", ""), errors, "family_name", "family name")
        born = check_date_of_birth(
            form.get("dob-day", ""),
            form.get("dob-month", ""),
            form.get("dob-year", ""),
            today,
            errors,
        )
        postcode = check_postcode(form.get("postcode", ""), errors)
        return LookupQuery(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            postcode=postcode,
            purpose=purpose,
        )
    return LookupQuery(
        nhs_number=check_nhs_number(form.get("nhs_number", ""), errors), purpose=purpose
    )


def attendance_rows(answer: LookupAnswer) -> list[list[dict[str, str]]]:
    return [
        [
            {"text": visit.date},
            {"text": visit.site_name or "Site not shared"},
            {"text": words(visit.attendance_category) if visit.attendance_category else "-"},
        ]
        for visit in answer.attendances
    ]


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def form_page(request: Request, form: dict[str, str], errors: FormErrors) -> Response:
        context: dict[str, Any] = {
            "title": "A&E desk",
            "form": {name: form.get(name, "") for name in FIELDS},
            "errors": errors.summary({"dob": "dob-day"}),
            "field_errors": errors,
        }
        return pages.render(request, "desk.html", context, 400 if errors else 200)

    async def show(request: Request) -> Response:
        guard.caller(request, CALL)
        return form_page(request, {}, FormErrors())

    async def search(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        purpose = purpose_of(parts, CALL, caller.identity.role)
        query = _query(form, parts.clock().date(), errors, purpose)
        if errors:
            return form_page(request, form, errors)
        answer = await run_in_threadpool(
            parts.lookup.lookup, caller.identity, query, request.state.peer
        )
        terms = parts.policy.break_glass
        context = {
            "title": "Lookup result",
            "answer": answer,
            "attendance_rows": attendance_rows(answer),
            "break_glass_codes": sorted(terms.reason_codes) if terms else [],
            "may_break_glass": bool(terms and caller.identity.role in terms.allowed_roles),
            "child_mac": guard.tokens.bind(caller.identity, answer.child_id),
        }
        return pages.render(request, "desk_answer.html", context)

    return [
        Route("/desk", show, methods=["GET"]),
        Route("/desk", search, methods=["POST"]),
        *break_glass_routes(pages),
    ]
