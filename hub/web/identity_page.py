"""The identity officer's queue: the held record beside each candidate; link, or a new child.

The queue is read through ``hub.application.identity_queue.disclosed_queue`` (each
candidate decided by the policy and audited, as ``hub identity queue``); a
decision goes through ``HubApplication.link_case`` or ``new_child_for_case`` (the
same as ``hub identity link`` and ``new``), with who decided and why, and is also
written to the audit log (``identity-decision``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.access.callers import Caller
from hub.application.identity_queue import QueuedCase, disclosed_queue
from hub.domain.errors import HubError
from hub.web.access import purpose_of
from hub.web.forms import FormErrors, check_text, read_form
from hub.web.pages import Pages

CALL = "identity-queue"
NEW_CHILD = "new"


def _who(demographics: Any) -> dict[str, str]:
    if demographics is None:
        return {"name": "Not known", "born": "", "postcode": ""}
    name = " ".join(part for part in (demographics.given_name, demographics.family_name) if part)
    return {
        "name": name or "Not recorded",
        "born": demographics.date_of_birth or "Not recorded",
        "postcode": demographics.postcode or "Not recorded",
    }


def _shown(case: QueuedCase) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "agency": case.agency,
        "reason": case.reason,
        "held": _who(case.held_subject),
        "candidates": [
            {
                "child_id": str(c["child_id"]),
                "strength": str(c.get("strength") or ""),
                **_who(c.get("demographics")),
            }
            for c in case.candidates
        ],
        "withheld": case.withheld_candidates,
    }


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def queue(
        request: Request, caller: Caller, errors: FormErrors, form: dict[str, str], done: bool
    ) -> Response:
        recipient = caller.as_recipient("none")
        purpose = purpose_of(parts, CALL, caller.identity.role)
        cases = disclosed_queue(
            parts.app, parts.policy, parts.audit, recipient, purpose, with_demographics=True
        )
        context = {
            "title": "Identity queue",
            "cases": [_shown(case) for case in cases],
            "errors": errors.summary(),
            "field_errors": errors,
            "form": form,
            "decided": done,
        }
        return pages.render(request, "identity.html", context, 400 if errors else 200)

    async def show(request: Request) -> Response:
        caller = guard.caller(request, CALL)
        done = request.query_params.get("decided") == "1"
        return await run_in_threadpool(queue, request, caller, FormErrors(), {}, done)

    async def decide(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        case_id = form.get("case_id", "")[:64]
        choice = form.get("decision", "")[:64]
        errors = FormErrors()
        if not choice:
            errors.add(f"decision-{case_id}", "Select the child this record belongs to, or new")
        reason = check_text(
            form.get("reason", ""), errors, f"reason-{case_id}", "the reason", required=True
        )
        by = f"{caller.identity.user}@{caller.identity.organisation}"

        def decided() -> Response:
            if not errors:
                try:
                    if choice == NEW_CHILD:
                        child = parts.app.new_child_for_case(UUID(case_id), by, reason)
                    else:
                        child = parts.app.link_case(UUID(case_id), UUID(choice), by, reason)
                except (HubError, ValueError) as error:
                    errors.add(f"decision-{case_id}", f"This decision was refused: {error}")
                else:
                    record = {
                        "case_id": case_id,
                        "decision": "new-child" if choice == NEW_CHILD else "linked",
                        "child_id": str(child.id),
                        "by": caller.identity.as_record(),
                        "reason": reason,
                    }
                    parts.audit.append("identity-decision", [record])
                    return RedirectResponse("/identity?decided=1", status_code=303)
            return queue(request, caller, errors, form, False)

        return await run_in_threadpool(decided)

    return [
        Route("/identity", show, methods=["GET"]),
        Route("/identity/decide", decide, methods=["POST"]),
    ]
