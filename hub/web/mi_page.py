"""The managers' page: management information as tables and bar charts, completeness first.

The page is the policy's ``management-information`` call (safeguarding managers and IG
leads). It runs the same ``MiService`` as ``hub mi``, so each view is decided, refused
and audited (``mi-report``, peer ``web-console``) exactly as there. The report, period
and grouping are chosen with a GET form: dates only, nothing about a child in the address.
Every chart has its table; the head of the page says whether the figures are complete and
lists the sources that are late or silent (G3).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.access.callers import Caller
from hub.mi.formatting import suppress
from hub.mi.period import Period, PeriodError
from hub.mi.referrals import GROUPINGS
from hub.mi.reports import REPORTS, TITLES
from hub.mi.service import MiRequest
from hub.web.charts import bar_chart
from hub.web.forms import FormErrors, check_choice
from hub.web.pages import Pages

CALL = "management-information"


def routes(pages: Pages) -> list[Route]:
    parts, guard = pages.parts, pages.guard

    def page(request: Request, caller: Caller) -> Response:
        service = parts.mi()
        zone = service.zone
        form = {name: request.query_params.get(name, "").strip()[:16] for name in _FIELDS}
        errors = FormErrors()
        name = check_choice(form["report"] or "all", REPORTS, errors, "report", "Choose a report")
        by = check_choice(form["by"] or "agency", GROUPINGS, errors, "by", "Choose a grouping")
        period = _period(form, service.today(), zone, errors)
        context: dict[str, Any] = {
            "title": "Management information",
            "form": form,
            "reports": [{"value": r, "text": _report_name(r)} for r in REPORTS],
            "groupings": GROUPINGS,
            "report": None,
        }
        if errors or period is None:
            context["errors"] = errors.summary({"period": "from"})
            context["field_errors"] = {k: errors.get(k) for k in ("report", "by", "period")}
            return pages.render(request, "mi.html", context, 400)
        viewer = caller.as_recipient("none")
        report = service.run(viewer, MiRequest(name, period, by, "html"), peer="web-console")
        report = suppress(report, parts.mi_small_count)
        context["report"] = report
        context["form"] = {**form, "from": period.first.isoformat(), "to": period.last.isoformat()}
        context["charts"] = {
            table.name: bar_chart(table, f"chart-{index}")
            for index, table in enumerate(report.tables)
        }
        return pages.render(request, "mi.html", context)

    async def show(request: Request) -> Response:
        caller = guard.caller(request, CALL)
        return await run_in_threadpool(page, request, caller)

    return [Route("/mi", show, methods=["GET"])]


_FIELDS = ("report", "from", "to", "by")


def _period(form: dict[str, str], today: date, zone: ZoneInfo, errors: FormErrors) -> Period | None:
    try:
        period = Period.between(form["from"] or None, form["to"] or None, zone, today)
    except PeriodError as error:
        errors.add("period", f"Enter the period as dates like 2026-11-23 ({error})")
        return None
    if (period.last - period.first).days > 366:
        errors.add("period", "Choose a period of a year or less")
        return None
    return period


def _report_name(report: str) -> str:
    return "Every report" if report == "all" else TITLES[report]
