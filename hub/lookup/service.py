"""The lookup itself: find the child, decide every item through the policy, audit it all.

Independent of gRPC so it can be tested and benchmarked directly; the gRPC
servicer (``hub.lookup.server``) only translates requests, answers and refusals.
One lookup writes one audit transaction: the lookup, each disclosure decision
(including refusals), IG-review flags and the access-to-service notification.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

from hub.access.callers import Caller, CallRefused, authorise, relationship_to
from hub.access.certs import CertifiedIdentity
from hub.access.organisations import OrganisationDirectory
from hub.application.disclosure import disclosure_record
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import ChildNotFoundError
from hub.domain.identifiers import nhs_number_is_valid, normalise_nhs_number
from hub.domain.identity import Candidate, Demographics, Outcome, decide
from hub.lookup.answer import (
    AMBIGUOUS_NOTICE,
    NO_RECORD_NOTICE,
    AttendanceView,
    ContactView,
    LookupAnswer,
    MatchResult,
    PlanView,
    RiskCueView,
)
from hub.lookup.views import LookupViews
from hub.policy import engine
from hub.policy.model import Disclosure, Policy

CALL = "child-lookup"
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
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")


@dataclass(frozen=True)
class LookupQuery:
    """What the desk asks: an NHS number, or name, date of birth and postcode."""

    nhs_number: str = ""
    given_name: str = ""
    family_name: str = ""
    date_of_birth: str = ""
    postcode: str = ""
    purpose: str = ""


def normalise_postcode(value: str) -> str:
    compact = " ".join(value.upper().split())
    found = _POSTCODE.match(compact)
    return f"{found.group(1)} {found.group(2)}" if found else compact


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# The chronology entries a lookup can show; the lookup read model keeps only these.
LOOKUP_ENTRY_KINDS = frozenset({ARRIVAL, DOMESTIC_ABUSE})


class ChildReader(Protocol):
    """Where the service reads children from: the event store, or the lookup read model."""

    def find_child(self, key: str) -> Child: ...

    def get_child(self, child_id: UUID) -> Child: ...

    def birth_date_candidates(self, date_of_birth: str) -> list[Candidate]: ...


class ChildLookupService:
    def __init__(
        self,
        app: HubApplication,
        policy: Policy,
        audit: AuditLog,
        directory: OrganisationDirectory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        views: LookupViews | None = None,
    ) -> None:
        """Answer lookups; ``views`` reads children from the lookup read model.

        Without ``views`` each child is replayed from the event store.
        """
        self._views = views
        self._reader: ChildReader = views if views is not None else app
        self._policy = policy
        self._audit = audit
        self._directory = directory
        self._clock = clock

    def refuse(
        self, peer: str, identity: CertifiedIdentity | None, purpose: str, refusal: CallRefused
    ) -> None:
        """Record a refused call (no data was read for it)."""
        self._audit.append(
            "access-refused",
            [
                {
                    "call": CALL,
                    "peer": peer,
                    "caller": identity.as_record() if identity else None,
                    "purpose": purpose,
                    "status": refusal.status,
                    "reason": refusal.reason,
                    "policy_version": self._policy.version,
                }
            ],
        )

    def lookup(
        self, identity: CertifiedIdentity | None, query: LookupQuery, peer: str = ""
    ) -> LookupAnswer:
        """Answer ``query`` for the certified caller, or raise ``CallRefused`` (audited)."""
        purpose = query.purpose or "direct-care"
        try:
            caller = authorise(self._policy, self._directory, CALL, identity, purpose)
            _check(query)
        except CallRefused as refusal:
            self.refuse(peer, identity, purpose, refusal)
            raise
        lookup_id = str(uuid4())
        if self._views is not None:
            self._views.catch_up()  # everything committed before this lookup is seen
        child, match = self._resolve(query)
        record: dict[str, Any] = {
            "lookup_id": lookup_id,
            "call": CALL,
            "peer": peer,
            "caller": {
                **caller.identity.as_record(),
                "organisation_type": caller.organisation.type,
                "organisation_name": caller.organisation.name,
            },
            "purpose": purpose,
            "server_process": os.getpid(),  # several server processes may share a port
            "method": match.method,
            "outcome": match.outcome,
            "candidates": match.candidates,
            "policy_version": self._policy.version,
        }
        if child is None:
            self._audit.append("lookup", [{**record, "child_id": None}])
            notice = NO_RECORD_NOTICE if match.outcome == "no-record-held" else AMBIGUOUS_NOTICE
            return LookupAnswer(lookup_id, match, self._policy.version, notice=notice)
        answer, items = _Disclosures(self, caller, purpose, child, lookup_id, match).build()
        record.update(
            child_id=str(child.id),
            relationship=relationship_to(caller, child),
            disclosed=sum(1 for kind, item in items if item["decision"] != "refuse"),
            withheld=answer.withheld,
            access_notified=answer.access_notified,
        )
        audit_items: list[tuple[str, dict[str, Any]]] = [("lookup", record)]
        audit_items += [("disclosure", item) for _, item in items]
        audit_items += [
            ("ig-review", {**item, "review": "fail-safe: high-risk concern not shareable in full"})
            for _, item in items
            if item["needs_review"]
        ]
        if answer.access_notified:
            audit_items.append(("access-to-service", self._access_notice(caller, child, record)))
        self._audit.append_batch(audit_items)
        return answer

    def _access_notice(
        self, caller: Caller, child: Child, record: dict[str, Any]
    ) -> dict[str, Any]:
        authority = child.responsible_authority or {}
        return {
            "lookup_id": record["lookup_id"],
            "child_id": str(child.id),
            "nhs_number": child.nhs_number,
            "responsible_authority": authority.get("code"),
            "on_plan": child.on_plan,
            "looked_after": child.looked_after,
            "accessed_at": self._clock().isoformat(),
            "accessing_organisation": caller.organisation.code,
            "accessing_organisation_name": caller.organisation.name,
            "accessing_organisation_type": caller.organisation.type,
            "accessing_user": caller.identity.user,
            "accessing_role": caller.identity.role,
            "purpose": record["purpose"],
        }

    def _resolve(self, query: LookupQuery) -> tuple[Child | None, MatchResult]:
        if query.nhs_number:
            nhs = normalise_nhs_number(query.nhs_number)
            try:
                child = self._reader.find_child(f"nhs/{nhs}")
            except ChildNotFoundError:
                return None, MatchResult("no-record-held", "nhs-number")
            return child, MatchResult(
                "matched", "nhs-number", "certain", 0.0, 1, "NHS number matches one child"
            )
        subject = Demographics(
            given_name=query.given_name.strip(),
            family_name=query.family_name.strip(),
            date_of_birth=query.date_of_birth,
            postcode=normalise_postcode(query.postcode),
        )
        decision = decide(subject, self._reader.birth_date_candidates(query.date_of_birth))
        count = len(decision.candidates)
        if decision.outcome is Outcome.MATCHED and decision.child_id is not None:
            best = decision.candidates[0]
            return self._reader.get_child(decision.child_id), MatchResult(
                "matched", "demographics", best.strength.value, best.score, count, decision.reason
            )
        if decision.outcome is Outcome.REVIEW:
            return None, MatchResult("ambiguous", "demographics", "", 0.0, count, decision.reason)
        return None, MatchResult("no-record-held", "demographics", "", 0.0, 0, decision.reason)

    # Used by _Disclosures -------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self._policy

    def now(self) -> datetime:
        return self._clock()

    def sibling(self, sibling_id: str) -> Child | None:
        try:
            return self._reader.get_child(UUID(sibling_id))
        except ChildNotFoundError:
            return None

    def site_name(self, code: str) -> str:
        organisation = self._directory.get(code)
        return organisation.name if organisation else code


def _check(query: LookupQuery) -> None:
    if query.nhs_number:
        if not nhs_number_is_valid(normalise_nhs_number(query.nhs_number)):
            raise CallRefused("INVALID_ARGUMENT", "not a valid NHS number (check digit)")
        return
    missing = [
        name
        for name in ("given_name", "family_name", "date_of_birth", "postcode")
        if not getattr(query, name).strip()
    ]
    if missing:
        raise CallRefused(
            "INVALID_ARGUMENT",
            "give an NHS number, or all of name, date of birth and postcode; missing: "
            + ", ".join(missing),
        )
    try:
        date.fromisoformat(query.date_of_birth)
    except ValueError:
        raise CallRefused("INVALID_ARGUMENT", "date_of_birth must be an ISO date") from None


class _Disclosures:
    """Builds one answer: each item decided by the policy, each decision kept for the audit."""

    def __init__(
        self,
        service: ChildLookupService,
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
        return self._now - window <= _instant(entry.occurred_at) <= self._now

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
            shown.append((_instant(entry.occurred_at), view))
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
