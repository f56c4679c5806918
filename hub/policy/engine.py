"""The decision point: what a recipient may receive of a child's entries, and why.

``decide()`` is the only function that says yes or no; ``render()`` is the
only function that builds what leaves the hub about an entry. Every decision,
including a refusal with its reason, is returned so the caller records it in
the audit log (requirements I2, I3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.domain.chronology import ChronologyEntry
from hub.policy.model import ChildFacts, Disclosure, Policy

# The fields of an entry each disclosure level lets out; anything else never does.
MINIMISED_FIELDS = ("occurred_at", "agency", "kind", "summary", "source_organisation")
FACT_ONLY_FIELDS = ("occurred_at", "agency", "kind")


@dataclass(frozen=True)
class Recipient:
    """Who asks or is sent: an identity, a role, an organisation and a relationship to the child."""

    id: str
    role: str
    organisation: str
    organisation_type: str
    relationship: str

    def as_record(self) -> dict[str, str]:
        """For audit records; written out, as dataclasses.asdict() deep-copies (hot path)."""
        return {
            "id": self.id,
            "role": self.role,
            "organisation": self.organisation,
            "organisation_type": self.organisation_type,
            "relationship": self.relationship,
        }


@dataclass(frozen=True)
class Decision:
    disclose: Disclosure
    rule_id: str | None
    lawful_basis: str | None
    reason: str
    policy_version: str
    needs_review: bool = False


FAIL_SAFE_RULE = "fail-safe-I1"
FAIL_SAFE_BASIS = "safeguarding"


def is_high_risk(entry: ChronologyEntry) -> bool:
    """A concern that someone must act on: high-risk police notification, suspected NAI, ..."""
    details = entry.details
    return bool(
        details.get("risk_level") == "HIGH"
        or details.get("suspected_non_accidental_injury")
        or details.get("safeguarding_concern_raised")
        or details.get("examination_refused")
    )


def entry_facts(entry: ChronologyEntry, on_plan: bool, looked_after: bool) -> ChildFacts:
    risk = entry.details.get("risk_level")
    return ChildFacts(
        on_plan=on_plan,
        looked_after=looked_after,
        risk_level=risk if isinstance(risk, str) else None,
        labels=frozenset(entry.labels),
    )


def decide(
    policy: Policy, recipient: Recipient, purpose: str, entry: ChronologyEntry, facts: ChildFacts
) -> Decision:
    """The policy's answer for one entry; refusals say why."""
    for label in entry.labels:
        allowed = policy.label_roles.get(label)
        if allowed is not None and recipient.role not in allowed:
            return Decision(
                Disclosure.REFUSE,
                None,
                None,
                f"entries labelled {label} are not disclosed to role {recipient.role}",
                policy.version,
                needs_review=is_high_risk(entry) and recipient.relationship != "none",
            )
    rules = policy.matching(
        recipient.role,
        recipient.relationship,
        purpose,
        entry.kind,
        facts,
        recipient.organisation_type,
    )
    if not rules and is_high_risk(entry) and recipient.relationship != "none":
        # Requirement I1: a refusal must never silently drop a safety concern. Someone with a
        # relationship to the child learns that a concern exists and whom to ask; IG reviews.
        return Decision(
            Disclosure.FACT_ONLY,
            FAIL_SAFE_RULE,
            FAIL_SAFE_BASIS,
            f"no rule lets {recipient.role} receive {entry.kind}, but it is a high-risk "
            "concern: the fact is shared and the case queued for IG review",
            policy.version,
            needs_review=True,
        )
    if not rules:
        return Decision(
            Disclosure.REFUSE,
            None,
            None,
            f"no rule lets {recipient.role} ({recipient.relationship}) receive {entry.kind} "
            f"for {purpose}",
            policy.version,
        )
    rule = rules[0]
    return Decision(rule.disclose, rule.id, rule.lawful_basis, rule.description, policy.version)


def decide_under_break_glass(
    policy: Policy, recipient: Recipient, entry: ChronologyEntry, case_id: str
) -> Decision:
    """Emergency access: the whole entry, except what sensitivity labels seal from the role."""
    terms = policy.break_glass
    if terms is None:
        raise ValueError("the policy has no break-glass terms")
    for label in entry.labels:
        allowed = policy.label_roles.get(label)
        if allowed is not None and recipient.role not in allowed:
            return Decision(
                Disclosure.REFUSE,
                None,
                None,
                f"entries labelled {label} are not disclosed to role {recipient.role}, "
                "even under break glass",
                policy.version,
            )
    return Decision(
        Disclosure.FULL,
        f"break-glass:{case_id}",
        terms.lawful_basis,
        "emergency access, queued for review",
        policy.version,
    )


def render(entry: ChronologyEntry, decision: Decision) -> dict[str, Any] | None:
    """What leaves the hub for one entry under ``decision`` (None when refused)."""
    if decision.disclose is Disclosure.REFUSE:
        return None
    data = entry.to_dict()
    if decision.disclose is Disclosure.FULL:
        shown = {k: v for k, v in data.items() if k != "resolved_via"}
    elif decision.disclose is Disclosure.MINIMISED:
        shown = {k: data[k] for k in MINIMISED_FIELDS}
    else:
        shown = {k: data[k] for k in FACT_ONLY_FIELDS}
        shown["occurred_at"] = str(shown["occurred_at"])[:10]
        shown["summary"] = (
            "A concern has been recorded by another agency; contact the responsible authority."
        )
    shown["disclosure"] = decision.disclose.value
    return shown
