"""The IG lead's review page: disclosures, break-glass cases, unrouted alerts, the audit log.

Everything here is read from the audit log and the alert store, through the
same functions as ``hub audit``, ``hub break-glass`` and ``hub alerts list
--unrouted``; each view is itself audited (``audit-view``, view ``console:...``), and closing a
break-glass case goes through ``hub.application.break_glass.close_review``.
"Download subject-access response (PDF)" issues the Article 15 response for the IG
lead through ``DocumentService.subject_access_report``, as ``hub sar --format pdf`` does.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.access.callers import Caller
from hub.application.break_glass import OUTCOMES, BreakGlassRefusedError, close_review, open_reviews
from hub.audit.trail import subject_access as subject_access_of
from hub.domain.errors import ChildNotFoundError
from hub.web.downloads import pdf_download
from hub.web.forms import FormErrors, check_choice, check_nhs_number, check_text, read_form
from hub.web.pages import Pages

CALL = "ig-review"
FILTERS = ("child", "recipient", "organisation", "kind", "decision", "since", "until")
DECISIONS = ("full", "minimised", "fact-only", "refuse")
MAX_ROWS = 200


def _matches(row: dict[str, Any], wanted: dict[str, str]) -> bool:
    recipient = row.get("recipient") or {}
    checks = {
        "child": row.get("child_id", ""),
        "recipient": recipient.get("id", ""),
        "organisation": recipient.get("organisation", ""),
        "kind": row.get("category", ""),
        "decision": row.get("decision", ""),
    }
    for name, value in checks.items():
        if wanted.get(name) and not (
            value == wanted[name] or (name == "child" and value.startswith(wanted[name]))
        ):
            return False
    when = str(row.get("recorded_at", ""))
    if wanted.get("since") and when < wanted["since"]:
        return False
    return not (wanted.get("until") and when[:10] > wanted["until"])


def _row(row: dict[str, Any]) -> list[dict[str, str]]:
    recipient = row.get("recipient") or {}
    return [
        {"text": str(row.get("recorded_at", ""))[:19].replace("T", " ")},
        {
            "text": f"{recipient.get('id', '')} ({recipient.get('role', '')}, "
            f"{recipient.get('organisation', '')})"
        },
        {"text": str(row.get("child_id", ""))[:8]},
        {"text": str(row.get("category", ""))},
        {"text": str(row.get("decision", ""))},
        {"text": str(row.get("rule") or row.get("reason") or "")},
    ]


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def viewed(caller: Caller, what: str, filters: dict[str, str]) -> None:
        record: dict[str, Any] = {
            "viewer": caller.identity.as_record(),
            "view": f"console:{what}",
            "format": "html",
            "purpose": "operations",
            "filters": filters,
            "policy_version": parts.policy.version,
        }
        if filters.get("child_id"):
            record["child_id"] = filters["child_id"]
        parts.audit.append("audit-view", [record])

    def page(
        request: Request,
        caller: Caller,
        *,
        errors: FormErrors | None = None,
        form: dict[str, str] | None = None,
        **results: Any,
    ) -> Response:
        errors = errors or FormErrors()
        unrouted = parts.alerts.unrouted_alerts()
        viewed(caller, "review-queues", {})
        context = {
            "title": "IG review",
            "cases": open_reviews(parts.audit),
            "outcomes": OUTCOMES,
            "unrouted": unrouted,
            "decisions": DECISIONS,
            "form": form or {},
            "errors": errors.summary(),
            "field_errors": errors,
            **results,
        }
        return pages.render(request, "ig.html", context, 400 if errors else 200)

    async def show(request: Request) -> Response:
        caller = guard.caller(request, CALL)
        return await run_in_threadpool(page, request, caller)

    async def disclosures(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        wanted = {name: form.get(name, "").strip()[:64] for name in FILTERS}

        def found() -> Response:
            rows = [
                {"recorded_at": record.recorded_at, **record.payload}
                for record in parts.audit.records("disclosure")
            ]
            matching = [row for row in reversed(rows) if _matches(row, wanted)]
            viewed(caller, "disclosure-log", {k: v for k, v in wanted.items() if v})
            return page(
                request,
                caller,
                form=form,
                disclosures=[_row(row) for row in matching[:MAX_ROWS]],
                disclosures_total=len(matching),
            )

        return await run_in_threadpool(found)

    async def close_case(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        case_id = form.get("case_id", "")[:64]
        outcome = check_choice(
            form.get("outcome", ""), OUTCOMES, errors, f"outcome-{case_id}", "Select a finding"
        )
        notes = check_text(
            form.get("notes", ""), errors, f"notes-{case_id}", "the review notes", required=True
        )
        if not errors:
            reviewer = f"{caller.identity.user}@{caller.identity.organisation}"
            try:
                await run_in_threadpool(
                    close_review, parts.audit, case_id, outcome, reviewer, notes
                )
            except BreakGlassRefusedError as error:
                errors.add(f"outcome-{case_id}", str(error))
        if errors:
            return await run_in_threadpool(page, request, caller, errors=errors, form=form)
        return await run_in_threadpool(page, request, caller, closed=case_id)

    async def subject_access(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        nhs_number = check_nhs_number(form.get("sar_nhs_number", ""), errors, "sar_nhs_number")

        def report() -> Response:
            if errors:
                return page(request, caller, errors=errors, form=form)
            try:
                child = parts.app.find_child(f"nhs/{nhs_number}")
            except ChildNotFoundError:
                viewed(caller, "subject-access", {"found": "no"})
                return page(request, caller, form=form, sar=[], sar_found=False)
            found = subject_access_of(parts.audit.records(), str(child.id))
            viewed(caller, "subject-access", {"child_id": str(child.id)})
            rows = [_row(row) for row in reversed(found["disclosures"])]
            return page(request, caller, form=form, sar=rows, sar_found=True)

        return await run_in_threadpool(report)

    async def subject_access_pdf(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        errors = FormErrors()
        nhs_number = check_nhs_number(form.get("sar_nhs_number", ""), errors, "sar_nhs_number")

        def response() -> Response:
            if errors:
                return page(request, caller, errors=errors, form=form)
            try:
                issued = parts.documents().subject_access_report(
                    caller.as_recipient("none"), f"nhs/{nhs_number}"
                )
            except ChildNotFoundError:  # audited by the service as "no record held"
                return page(request, caller, form=form, sar=[], sar_found=False)
            return pdf_download(issued)

        return await run_in_threadpool(response)

    async def verify(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        result = await run_in_threadpool(parts.verify_audit)
        return await run_in_threadpool(page, request, caller, verified=result)

    return [
        Route("/ig", show, methods=["GET"]),
        Route("/ig/disclosures", disclosures, methods=["POST"]),
        Route("/ig/break-glass", close_case, methods=["POST"]),
        Route("/ig/subject-access", subject_access, methods=["POST"]),
        Route("/ig/subject-access/download", subject_access_pdf, methods=["POST"]),
        Route("/ig/verify", verify, methods=["POST"]),
    ]
