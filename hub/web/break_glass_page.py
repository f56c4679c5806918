"""Break glass from the desk: a coded reason and free text, then the chronology, time-limited.

The grant is ``hub.application.break_glass.request_access`` (the policy's terms,
audited whether granted or refused); the chronology shown is
``DisclosureService.chronology_for``, which under an active grant discloses
each entry in full except what a sensitivity label seals from the role. Only
a child the caller's own lookup matched can be named (the child's id comes
back with a MAC bound to the certificate). Every page shows a banner while a
grant is in force.
"""

from __future__ import annotations

from collections import Counter

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.access.callers import CallRefused
from hub.application.break_glass import BreakGlassRefusedError, request_access
from hub.web.chronology_page import shown_entry
from hub.web.forms import FormErrors, check_choice, check_text, read_form
from hub.web.pages import Pages

CALL = "child-lookup"


def break_glass_routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    async def break_glass(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        child_id = form.get("child_id", "")[:64]
        if not child_id or not guard.tokens.bound(caller.identity, child_id, form.get("mac", "")):
            refusal = CallRefused("PERMISSION_DENIED", "break glass only for a child you looked up")
            guard.refuse(CALL, request.state.peer, caller.identity, refusal)
            raise refusal
        terms = parts.policy.break_glass
        codes = tuple(sorted(terms.reason_codes)) if terms else ()
        errors = FormErrors()
        if form.get("step") == "start":  # from the desk's answer: the form, nothing granted yet
            form = {}
        else:
            check_choice(
                form.get("reason_code", ""),
                codes,
                errors,
                "reason_code",
                "Select why you need access",
            )
            check_text(
                form.get("reason_text", ""),
                errors,
                "reason_text",
                "why you need access",
                required=True,
            )
        if errors or not form:
            context = {
                "title": "Break glass",
                "child_id": child_id,
                "child_mac": guard.tokens.bind(caller.identity, child_id),
                "break_glass_codes": codes,
                "form": form,
                "errors": errors.summary({"reason_code": f"reason_code-{codes[0]}"}),
                "field_errors": errors,
            }
            return pages.render(request, "break_glass.html", context, 400 if errors else 200)
        recipient = caller.as_recipient("break-glass")

        def granted() -> Response:
            try:
                request_access(
                    parts.audit,
                    parts.policy,
                    recipient,
                    child_id,
                    form["reason_code"],
                    form["reason_text"].strip(),
                    parts.clock(),
                )
            except BreakGlassRefusedError as error:  # audited by request_access
                raise CallRefused("PERMISSION_DENIED", str(error)) from None
            view = parts.disclosure.chronology_for(recipient, "direct-care", child_id)
            context = {
                "title": "Chronology (emergency access)",
                "view": view,
                "nhs_number": "",
                "reference": child_id[:8],
                "entries": [shown_entry(shown) for shown in view.entries],
                "not_shared": sorted(Counter(view.not_shared).items()),
                "relationship": "emergency access (break glass)",
            }
            return pages.render(request, "chronology.html", context)

        return await run_in_threadpool(granted)

    return [Route("/desk/break-glass", break_glass, methods=["POST"])]
