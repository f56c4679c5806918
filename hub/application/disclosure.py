"""Disclosing a chronology: every entry through the policy, every decision audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from hub.application.break_glass import active_grant
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import (
    Decision,
    Recipient,
    decide,
    decide_under_break_glass,
    entry_facts,
    render,
)
from hub.policy.model import ChildFacts, Disclosure, Policy


@dataclass(frozen=True)
class DisclosedChronology:
    """What a recipient receives: the entries the policy let out, and how many were withheld.

    ``not_shared`` gives, for each withheld entry, only the category of the reason (never
    its kind, date or content), sorted so that their order says nothing about when.
    """

    child_id: UUID | None
    entries: list[dict[str, Any]]
    withheld: int
    policy_version: str
    # Beside ``entries``, one per entry shown (kept by the hub, never rendered): its event id
    # and the reason category of what the policy held back of it ("" when nothing).
    shown_ids: tuple[str, ...] = ()
    held_back: tuple[str, ...] = ()
    # The reason category of each entry not disclosed at all.
    refusals: tuple[str, ...] = ()
    # What each entry not shown was, in words the recipient may be told, sorted.
    not_shared: tuple[str, ...] = ()


# The categories of a refusal a recipient may be told (the audit record keeps the reason).
SEALED = "protected by a sensitivity label your role is not cleared for"
NO_RULE = "no sharing rule lets your role see this kind of record for this purpose"


class DisclosureService:
    def __init__(self, app: HubApplication, policy: Policy, audit: AuditLog) -> None:
        self._app = app
        self._policy = policy
        self._audit = audit

    @property
    def policy(self) -> Policy:
        return self._policy

    @property
    def policy_version(self) -> str:
        return self._policy.version

    def chronology_for(
        self,
        recipient: Recipient,
        purpose: str,
        child_key: str,
        include: Callable[[ChronologyEntry], bool] | None = None,
    ) -> DisclosedChronology:
        """The chronology as the policy lets ``recipient`` have it; every decision audited.

        ``include`` picks the entries asked for (a document's period); the others are
        neither decided nor disclosed.
        """
        try:
            child = self._app.find_child(child_key)
        except ChildNotFoundError:
            self._audit.append(
                "lookup",
                [
                    {
                        "recipient": recipient.as_record(),
                        "purpose": purpose,
                        "outcome": "no record held",
                        "policy_version": self._policy.version,
                    }
                ],
            )
            return DisclosedChronology(None, [], 0, self._policy.version)
        shown: list[dict[str, Any]] = []
        shown_ids: list[str] = []
        held_back: list[str] = []
        refusals: list[str] = []
        records: list[dict[str, Any]] = []
        not_shared: list[str] = []
        grant = active_grant(self._audit, recipient.id, str(child.id))
        # Entries their source withdrew are shown too, marked withdrawn with the reason.
        for entry in child.chronology(with_withdrawn=True):
            if include is not None and not include(entry):
                continue
            if grant is not None:
                decision = decide_under_break_glass(self._policy, recipient, entry, grant.case_id)
            else:
                facts = entry_facts(entry, child.on_plan, child.looked_after)
                decision = decide(self._policy, recipient, purpose, entry, facts)
            rendered = render(entry, decision)
            if rendered is not None:
                if decision.needs_contact:
                    rendered["contact"] = contact_for(child)
                shown.append(rendered)
                shown_ids.append(entry.event_id)
                held_back.append(decision.reason_category if decision.withheld_fields else "")
            else:
                refusals.append(decision.reason_category)
                sealed = self._policy.label_verdict(entry.labels, recipient.role)[0]
                not_shared.append(SEALED if sealed is not None else NO_RULE)
            records.append(
                disclosure_record(
                    self._policy,
                    recipient,
                    purpose,
                    child.id,
                    entry.event_id,
                    entry.kind,
                    list(entry.labels),
                    decision,
                )
            )
        self._audit.append("disclosure", records)
        reviews = [
            {**record, "review": "fail-safe: high-risk concern not shareable in full"}
            for record in records
            if record["needs_review"]
        ]
        if reviews:
            self._audit.append("ig-review", reviews)
        return DisclosedChronology(
            child.id,
            shown,
            len(records) - len(shown),
            self._policy.version,
            tuple(shown_ids),
            tuple(held_back),
            tuple(refusals),
            tuple(sorted(not_shared)),
        )

    def _decide_hub_item(
        self, recipient: Recipient, purpose: str, child: Child, item: ChronologyEntry
    ) -> Decision:
        """The policy's decision on one of the hub's own items about ``child``, audited."""
        decision = decide(
            self._policy, recipient, purpose, item, ChildFacts(child.on_plan, child.looked_after)
        )
        record = disclosure_record(
            self._policy, recipient, purpose, child.id, item.event_id, item.kind, [], decision
        )
        self._audit.append("disclosure", [record])
        return decision

    def identity_for(self, recipient: Recipient, purpose: str, child: Child) -> dict[str, Any]:
        """Whom a document is about (names, date of birth, NHS number; never where they live).

        Decided and audited as the hub's own item ``child-identity``: shown when the policy
        lets the recipient have it in full or minimised, else only the hub's child id.
        """
        item = ChronologyEntry.from_hub(f"identity/{child.id}", "child-identity")
        decision = self._decide_hub_item(recipient, purpose, child, item)
        shown: dict[str, Any] = {"child_id": str(child.id), "disclosure": decision.disclose.value}
        if decision.disclose in (Disclosure.FULL, Disclosure.MINIMISED):
            demographics = child.demographics
            shown.update(
                given_name=demographics.given_name,
                family_name=demographics.family_name,
                date_of_birth=demographics.date_of_birth,
                nhs_number=child.nhs_number,
            )
        return shown

    def status_for(self, recipient: Recipient, purpose: str, child: Child) -> dict[str, Any]:
        """The child's status and contacts, if the policy lets this recipient have them in full."""
        status = ChronologyEntry.from_hub(f"status/{child.id}", "child-status")
        decision = self._decide_hub_item(recipient, purpose, child, status)
        if decision.disclose is not Disclosure.FULL:
            return {"child_id": str(child.id), "status": "withheld by the sharing policy"}
        school_urn = child.current_school
        directory_entry = self._app.school(school_urn) if school_urn else None
        school_lead = directory_entry.safeguarding_lead if directory_entry else None
        return {
            "child_id": str(child.id),
            "nhs_number": child.nhs_number,
            "on_plan": child.on_plan,
            "plan": child.plan,
            "looked_after": child.looked_after,
            "dual_plans": child.dual_plans,
            "responsible_authority": child.responsible_authority,
            "professionals": child.professionals,
            "school_safeguarding_lead": school_lead,
            "siblings": sorted(child.siblings),
            "entries": len(child.entries),
        }


def disclosure_record(
    policy: Policy,
    recipient: Recipient,
    purpose: str,
    child_id: UUID,
    event_id: str,
    kind: str,
    labels: list[str],
    decision: Decision,
) -> dict[str, Any]:
    """The audit record of one decision: who, about which child, what, how much, and why."""
    basis = decision.lawful_basis
    return {
        "recipient": recipient.as_record(),
        "child_id": str(child_id),
        "purpose": purpose,
        "event_id": event_id,
        "category": kind,
        "labels": labels,
        "decision": decision.disclose.value,
        "rule": decision.rule_id,
        "lawful_basis": basis,
        "lawful_basis_text": policy.lawful_bases.get(basis) if basis else None,
        "policy_version": decision.policy_version,
        "reason": decision.reason,
        "needs_review": decision.needs_review,
        # Per sensitivity label, the fields it kept from this recipient (empty: none).
        "withheld_fields": {label: list(fields) for label, fields in decision.withheld_fields},
    }


def contact_for(child: Child) -> dict[str, str | None]:
    """Whom to ask about a concern shared as fact only: the lead social worker or the authority."""
    lead = child.professionals.get("lead_social_worker") or {}
    authority = child.responsible_authority or {}
    return {
        "lead_social_worker": lead.get("name"),
        "lead_social_worker_email": lead.get("email"),
        "responsible_authority": authority.get("name"),
        "office_hours_phone": authority.get("office_hours_phone"),
        "out_of_hours_phone": authority.get("out_of_hours_phone"),
    }


# Audit records about one child that a subject-access report or a case review lists.
LOGGED_KINDS = ("disclosure", "alert-raised", "alert-unrouted", "alert-escalated", "alert-refused")


def disclosure_logs(audit: AuditLog, child_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Every disclosure, refusal and alert recorded about each of ``child_ids``, in order.

    One pass over the log for any number of children (a case-review bundle asks for many).
    """
    logs: dict[str, list[dict[str, Any]]] = {child_id: [] for child_id in child_ids}
    for record in audit.records():
        if record.kind not in LOGGED_KINDS:
            continue
        rows = logs.get(str(record.payload.get("child_id")))
        if rows is not None:
            rows.append(
                {"seq": record.seq, "recorded_at": record.recorded_at, "record_kind": record.kind}
                | record.payload
            )
    return logs
