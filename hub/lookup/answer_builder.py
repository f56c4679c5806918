"""One lookup's answer, item by item: each decided by the policy, each decision kept for audit.

``AnswerBuilder`` turns a found child into a ``LookupAnswer``: plan and
looked-after status, whom to contact, recent attendances, police and sibling
cues. Every item is decided (and rendered) by ``hub.policy``; the decisions,
refusals included, are returned with the answer for the lookup's one audit
transaction. What the builder needs beyond the child (the policy, the time,
siblings, site names) it asks of ``AnswerSources``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from hub.access.callers import Caller, relationship_to
from hub.application.disclosure import disclosure_record
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry, instant
from hub.lookup.answer import (
    AttendanceView,
    ContactView,
    LookupAnswer,
    MatchResult,
    PlanView,
    RiskCueView,
)
from hub.policy import engine
from hub.policy.model import Disclosure, Policy

ARRIVAL = "unscheduled-care-arrival"
DOMESTIC_ABUSE = "domestic-abuse-notification"
STATUS = "cp-status-current"
SIBLING_ARRIVAL = "sibling-unscheduled-care-arrival"
ATTENDANCE_WINDOW = timedelta(days=365)
PLAN_ENDED_WINDOW = timedelta(days=365)
REPEAT_WINDOW = timedelta(days=90)
SIBLING_WINDOW = timedelta(days=90)
POLICE_WINDOW = timedelta(days=28)
MAX_ATTENDANCES = 25

# The chronology entries a lookup can show; the lookup read model keeps only these.
LOOKUP_ENTRY_KINDS = frozenset({ARRIVAL, DOMESTIC_ABUSE})


class AnswerSources(Protocol):
    """What an answer is built from, besides the child: the lookup service provides it."""

    @property
    def policy(self) -> Policy: ...

    def now(self) -> datetime: ...

    def sibling(self, sibling_id: str) -> Child | None: ...

    def site_name(self, code: str) -> str: ...


class AnswerBuilder:
    """Builds one answer: each item decided by the policy, each decision kept for the audit."""

    def __init__(
        self,
        service: AnswerSources,
        caller: Caller,
        purpose: str,
        child: Child,
        lookup_id: str,
        match: MatchResult,
    ) -> None:
        self._service = service
        self._policy = service.policy
        self._caller = caller
        self._purpose = purpose
        self._child = child
        self._now = service.now()
        self._answer = LookupAnswer(lookup_id, match, self._policy.version)
        self._items: list[tuple[str, dict[str, Any]]] = []

    def build(self) -> tuple[LookupAnswer, list[tuple[str, dict[str, Any]]]]:
        entries = self._child.chronology()
        self._status()
        self._attendances(entries)
        self._police(entries)
        self._siblings()
        answer = self._answer
        answer.access_notified = self._caller.terms.notify_access and (
            self._child.on_plan or self._child.looked_after
        )
        answer.notice = _notice(answer)
        return answer, self._items

    def _decide(self, entry: ChronologyEntry, about: Child) -> engine.Decision:
        # The relationship is to the child the item is about: a sibling's item is judged by
        # the caller's relationship to the sibling, not to the child asked about.
        recipient = self._caller.as_recipient(relationship_to(self._caller, about))
        facts = engine.entry_facts(entry, about.on_plan, about.looked_after)
        decision = engine.decide(self._policy, recipient, self._purpose, entry, facts)
        record = disclosure_record(
            self._policy,
            recipient,
            self._purpose,
            about.id,
            entry.event_id,
            entry.kind,
            list(entry.labels),
            decision,
        )
        record["lookup_id"] = self._answer.lookup_id
        if about is not self._child:
            record["in_answer_about"] = str(self._child.id)
        self._items.append((entry.kind, record))
        if decision.disclose is Disclosure.REFUSE:
            self._answer.withheld += 1
        return decision

    def _within(self, entry: ChronologyEntry, window: timedelta) -> bool:
        return self._now - window <= instant(entry.occurred_at) <= self._now

    def _status(self) -> None:
        child = self._child
        status = ChronologyEntry.from_hub(f"status/{child.id}", STATUS, self._now.isoformat())
        decision = self._decide(status, child)
        if decision.disclose is Disclosure.REFUSE:
            return
        answer = self._answer
        answer.status_disclosed = True
        answer.on_plan = child.on_plan
        answer.looked_after = child.looked_after
        answer.contact = _contact(child)
        if decision.disclose is Disclosure.FACT_ONLY:
            return
        if child.plan is not None:
            answer.current_plan = PlanView(
                category=child.plan.get("category") or "",
                start_date=child.plan.get("start_date") or "",
                unborn=bool(child.plan.get("unborn")),
            )
        for ended in child.plan_history:
            end_date = ended.get("end_date") or ""
            if end_date and self._now.date() - date.fromisoformat(end_date[:10]) <= (
                PLAN_ENDED_WINDOW
            ):
                answer.plans_ended_last_12_months.append(
                    PlanView(
                        category=ended.get("category") or "",
                        start_date=ended.get("start_date") or "",
                        end_date=end_date,
                        unborn=bool(ended.get("unborn")),
                    )
                )

    def _attendances(self, entries: list[ChronologyEntry]) -> None:
        recent = [e for e in entries if e.kind == ARRIVAL and self._within(e, ATTENDANCE_WINDOW)]
        recent.sort(key=lambda e: e.occurred_at, reverse=True)
        shown: list[tuple[datetime, AttendanceView]] = []
        for entry in recent[:MAX_ATTENDANCES]:
            decision = self._decide(entry, self._child)
            if decision.disclose is Disclosure.REFUSE:
                continue
            view = self._attendance_view(entry, decision)
            self._answer.attendances.append(view)
            shown.append((instant(entry.occurred_at), view))
        sites: dict[str, AttendanceView] = {}
        for moment, view in shown:
            if view.site_code and self._now - moment <= REPEAT_WINDOW:
                sites.setdefault(view.site_code, view)
        if len(sites) >= 2:
            seen = "; ".join(f"{v.site_name} on {v.date}" for v in sites.values())
            self._answer.cues.append(
                RiskCueView(
                    "repeat-attendance-different-sites",
                    f"Seen at {len(sites)} different unscheduled-care sites in the last "
                    f"90 days: {seen}.",
                    Disclosure.MINIMISED.value,
                )
            )

    def _attendance_view(self, entry: ChronologyEntry, decision: engine.Decision) -> AttendanceView:
        # Built from what the policy renders, so a field a label withholds never shows.
        shown = engine.render(entry, decision) or {}
        day = str(shown.get("occurred_at") or "")[:10]
        if decision.disclose is Disclosure.FACT_ONLY:
            return AttendanceView(date=day)
        details = shown.get("details") or {}
        code = str(details.get("site_code") or "")
        return AttendanceView(
            date=day,
            site_code=code,
            site_name=self._service.site_name(code) if code else "",
            site_type=str(details.get("site_type") or ""),
            attendance_category=str(details.get("attendance_category") or ""),
        )

    def _police(self, entries: list[ChronologyEntry]) -> None:
        for entry in entries:
            if entry.kind != DOMESTIC_ABUSE or not self._within(entry, POLICE_WINDOW):
                continue
            decision = self._decide(entry, self._child)
            shown = engine.render(entry, decision)
            if shown is None:
                continue
            text = (
                f"Police notified a domestic abuse incident at the child's home on "
                f"{str(shown['occurred_at'])[:10]}"
            )
            risk = (shown.get("details") or {}).get("risk_level")
            if decision.disclose is Disclosure.FACT_ONLY:
                text += (
                    ". Details are not shared with your role: contact the responsible authority."
                )
            else:
                text += f" (risk level {str(risk).lower()})." if risk else "."
                if decision.withheld_fields:
                    text += " Some details are withheld: contact the responsible authority."
            if decision.needs_contact and self._answer.contact is None:
                self._answer.contact = _contact(self._child)
            self._answer.cues.append(
                RiskCueView("police-notification-at-home", text, decision.disclose.value)
            )

    def _siblings(self) -> None:
        for sibling_id in sorted(self._child.siblings):
            sibling = self._service.sibling(sibling_id)
            if sibling is None:
                continue
            for entry in sibling.chronology():
                if entry.kind != ARRIVAL or not self._within(entry, SIBLING_WINDOW):
                    continue
                as_sibling = replace(entry, kind=SIBLING_ARRIVAL)
                decision = self._decide(as_sibling, sibling)
                if decision.disclose is Disclosure.REFUSE:
                    continue
                view = self._attendance_view(as_sibling, decision)
                where = f" at {view.site_name}" if view.site_name else ""
                self._answer.cues.append(
                    RiskCueView(
                        "sibling-attendance",
                        f"A brother or sister attended unscheduled care{where} on {view.date}.",
                        decision.disclose.value,
                    )
                )


def _contact(child: Child) -> ContactView:
    authority = child.responsible_authority or {}
    lead = child.professionals.get("lead_social_worker") or {}
    return ContactView(
        responsible_authority=authority.get("name") or "",
        office_hours_phone=authority.get("office_hours_phone") or "",
        out_of_hours_phone=authority.get("out_of_hours_phone") or "",
        social_worker=lead.get("name") or "",
        social_worker_email=lead.get("email") or "",
    )


def _notice(answer: LookupAnswer) -> str:
    if not answer.status_disclosed:
        return "Plan and looked-after status are not shared with your role for this purpose."
    authority = answer.contact.responsible_authority if answer.contact else ""
    parts = []
    if answer.on_plan:
        category = answer.current_plan.category if answer.current_plan else ""
        parts.append(
            f"This child is on a child protection plan{f' ({category})' if category else ''}"
            f" with {authority or 'a local authority'}."
        )
    if answer.looked_after:
        parts.append(f"This child is looked after by {authority or 'a local authority'}.")
    if parts:
        parts.append("Tell the responsible authority about this attendance.")
    else:
        parts.append("No child protection plan or looked-after status is recorded for this child.")
    if answer.cues:
        parts.append("See the risk cues below.")
    return " ".join(parts)
