"""The alert inbox: the alerts the policy addressed to the caller, and their acknowledgement.

Alerts are the ones the gRPC inbox streams (``hub.alerts.inbox.open_alerts_for``):
their content was decided by the policy for this recipient when raised. Each
alert listed is audited as delivered on the ``web`` channel; each opens on a
page of its own (named by the alert's id, never by anything about the child)
with the acknowledgement form, which goes through the raiser
(``AlertRaiser.acknowledge``): escalation stops, the outcome and note are audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from hub.access.callers import Caller, CallRefused
from hub.alerts.inbox import addressed_to, open_alerts_for, record_delivered
from hub.alerts.store import RAISED, Alert
from hub.web.forms import FormErrors, check_choice, check_text, read_form
from hub.web.pages import Pages

CALL = "alert-inbox"
OUTCOMES = {
    "contacted-family": "Contacted the child or family",
    "visit-arranged": "Visit or appointment arranged",
    "strategy-discussion": "Strategy discussion or referral made",
    "already-known": "Already known and being acted on",
    "no-further-action": "No further action needed",
}


def _instant(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shown(alert: Alert, now: datetime) -> dict[str, Any]:
    content = alert.content or {}
    deadline = _instant(alert.ack_deadline)
    return {
        "alert_id": alert.alert_id,
        "child_id": alert.child_id,
        "nhs_number": alert.nhs_number or "",
        "urgent": alert.urgency == "urgent",
        "headline": alert.headline,
        "summary": str(content.get("summary") or ""),
        "occurred_at": str(content.get("occurred_at") or "")[:16].replace("T", " "),
        "agency": str(content.get("agency") or ""),
        "raised_at": alert.raised_at[:16].replace("T", " "),
        "deadline": alert.ack_deadline[:16].replace("T", " "),
        "overdue": deadline < now,
        "escalation_level": alert.escalation_level,
    }


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def inbox(request: Request, acknowledged: bool) -> Response:
        caller = guard.caller(request, CALL)
        alerts = open_alerts_for(parts.alerts, caller.identity)
        record_delivered(parts.audit, caller.identity, alerts, channel="web")
        now = parts.clock()
        alerts.sort(key=lambda a: (a.urgency != "urgent", a.ack_deadline, a.seq))
        context = {
            "title": "Alert inbox",
            "alerts": [_shown(alert, now) for alert in alerts],
            "acknowledged": acknowledged,
        }
        return pages.render(request, "inbox.html", context)

    def mine(request: Request, caller: Caller, alert_id: str) -> Alert:
        """The alert if the policy addressed it to the caller; else refused as not found."""
        alert = parts.alerts.get(alert_id[:64])
        if alert is None or not addressed_to(alert, caller.identity):
            refusal = CallRefused("NOT_FOUND", "There is no such alert in your inbox.")
            guard.refuse(CALL, request.state.peer, caller.identity, refusal)
            raise refusal
        return alert

    def detail(
        request: Request, alert: Alert, errors: FormErrors, form: dict[str, str]
    ) -> Response:
        context = {
            "title": alert.headline,
            "alert": _shown(alert, parts.clock()),
            "outcomes": OUTCOMES,
            "errors": errors.summary(),
            "field_errors": errors,
            "form": form,
        }
        return pages.render(request, "inbox_alert.html", context, 400 if errors else 200)

    async def show(request: Request) -> Response:
        done = request.query_params.get("acknowledged") == "1"
        return await run_in_threadpool(inbox, request, done)

    async def show_alert(request: Request) -> Response:
        caller = guard.caller(request, CALL)
        alert = mine(request, caller, str(request.path_params["alert_id"]))
        if alert.state != RAISED:
            return RedirectResponse("/inbox", status_code=303)
        return detail(request, alert, FormErrors(), {})

    async def acknowledge(request: Request) -> Response:
        form = await read_form(request)
        caller = guard.posted(request, CALL, form)
        alert = mine(request, caller, form.get("alert_id", ""))
        errors = FormErrors()
        outcome = check_choice(
            form.get("outcome", ""), tuple(OUTCOMES), errors, "outcome", "Select what you did"
        )
        note = check_text(form.get("note", ""), errors, "note", "a note", required=False)
        if errors:
            return detail(request, alert, errors, form)
        who = f"{caller.identity.user}@{caller.identity.organisation}"
        await run_in_threadpool(parts.acknowledge, alert.alert_id, who, outcome, note)
        return RedirectResponse("/inbox?acknowledged=1", status_code=303)

    return [
        Route("/inbox", show, methods=["GET"]),
        Route("/inbox/alerts/{alert_id}", show_alert, methods=["GET"]),
        Route("/inbox/acknowledge", acknowledge, methods=["POST"]),
    ]
