"""The decision point: what a recipient may receive of a child's entries, and why.

``decide()`` is the only function that says yes or no; ``render()`` is the
only function that builds what leaves the hub about an entry. Every decision,
including a refusal with its reason, is returned so the caller records it in
the audit log (requirements I2, I3).

Sensitivity labels work in two ways, as the policy file says for each label. A
label whose entry is itself the sensitive fact (``withholds = "entry"``) seals
the whole entry from roles it does not allow, even from the I1 fail-safe. Any
other label withholds only its fields: the rules (or the fail-safe) decide as
if it were absent, the decision records which fields the label withholds and
why, and ``render()`` removes them wherever they appear, so the fact of the
concern still reaches whoever has a safeguarding relationship.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from hub.domain.chronology import ChronologyEntry
from hub.policy.model import ChildFacts, Disclosure, Policy, Redactions

# The fields of an entry each disclosure level lets out; anything else never does.
MINIMISED_FIELDS = ("occurred_at", "agency", "kind", "summary", "source_organisation")
# Details a minimised entry keeps: structured forms of what its summary already says (the risk
# level, the unscheduled-care site and category, that its source or an identity decision
# withdrew it and why), so views never read them around render().
MINIMISED_DETAILS = (
    "risk_level",
    "site_code",
    "site_type",
    "attendance_category",
    "withdrawn",
    "withdrawn_reason",
)
FACT_ONLY_FIELDS = ("occurred_at", "agency", "kind")
FACT_ONLY_SUMMARY = (
    "A concern has been recorded by another agency; contact the responsible authority."
)


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
    # Per sensitivity label, the fields it withholds from this recipient (render removes them).
    withheld_fields: Redactions = ()
    sealed: bool = False  # refused because a label seals the whole entry from the role

    @property
    def reason_category(self) -> str:
        """Why something was held back, in words that name no label (a document prints it)."""
        if self.disclose is Disclosure.REFUSE:
            return "sensitivity label" if self.sealed else "no sharing rule for this recipient"
        if self.withheld_fields:
            return "sensitivity label"
        if self.disclose is Disclosure.FACT_ONLY:
            return "fact of the concern only, under the sharing policy"
        if self.disclose is Disclosure.MINIMISED:
            return "minimised under the sharing policy"
        return ""

    @property
    def withheld(self) -> frozenset[str]:
        """Every field this decision withholds, whichever label it comes from."""
        return frozenset(name for _, fields in self.withheld_fields for name in fields)

    @property
    def needs_contact(self) -> bool:
        """Shared without (some of) its detail: the recipient must be told whom to ask (I4)."""
        return self.disclose is Disclosure.FACT_ONLY or (
            self.disclose is not Disclosure.REFUSE and bool(self.withheld_fields)
        )


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
    if not entry.labels:
        return _by_rules(policy, recipient, purpose, entry, facts)
    sealing, redactions = policy.label_verdict(entry.labels, recipient.role)
    if sealing is not None:
        return Decision(
            Disclosure.REFUSE,
            None,
            None,
            f"entries labelled {sealing} are not disclosed to role {recipient.role}",
            policy.version,
            needs_review=is_high_risk(entry) and recipient.relationship != "none",
            sealed=True,
        )
    decision = _redacted(_by_rules(policy, recipient, purpose, entry, facts), redactions)
    undefined = sorted(label for label in entry.labels if label not in policy.labels)
    if undefined and decision.disclose is not Disclosure.REFUSE:
        return replace(
            decision,
            reason=f"{decision.reason} [label {', '.join(undefined)} is not defined by the "
            "policy: every field a label may withhold is withheld; queued for IG review]",
            needs_review=True,
        )
    return decision


def _redacted(decision: Decision, redactions: Redactions) -> Decision:
    """``decision`` withholding the labels' fields, with the labels and fields in its reason."""
    if not redactions or decision.disclose is Disclosure.REFUSE:
        return decision
    why = "; ".join(f"{label} withholds {', '.join(fields)}" for label, fields in redactions)
    return Decision(
        decision.disclose,
        decision.rule_id,
        decision.lawful_basis,
        f"{decision.reason} [fields withheld by sensitivity label: {why}]",
        decision.policy_version,
        decision.needs_review,
        redactions,
    )


def _by_rules(
    policy: Policy, recipient: Recipient, purpose: str, entry: ChronologyEntry, facts: ChildFacts
) -> Decision:
    """The rules' answer, with the I1 fail-safe; labels are applied by the caller."""
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
    sealing, redactions = policy.label_verdict(entry.labels, recipient.role)
    if sealing is not None:
        return Decision(
            Disclosure.REFUSE,
            None,
            None,
            f"entries labelled {sealing} are not disclosed to role {recipient.role}, "
            "even under break glass",
            policy.version,
            sealed=True,
        )
    granted = Decision(
        Disclosure.FULL,
        f"break-glass:{case_id}",
        terms.lawful_basis,
        "emergency access, queued for review",
        policy.version,
    )
    return _redacted(granted, redactions)


def render(entry: ChronologyEntry, decision: Decision) -> dict[str, Any] | None:
    """What leaves the hub for one entry under ``decision`` (None when refused).

    Fields a sensitivity label withholds are removed wherever they appear; when the
    summary is among them, the hub's own sentence of the fact of the concern takes its
    place, built only from what is still shown.
    """
    if decision.disclose is Disclosure.REFUSE:
        return None
    data = entry.to_dict()
    if decision.disclose is Disclosure.FULL:
        shown = {k: v for k, v in data.items() if k != "resolved_via"}
    elif decision.disclose is Disclosure.MINIMISED:
        shown = {k: data[k] for k in MINIMISED_FIELDS}
        details = {
            k: entry.details[k] for k in MINIMISED_DETAILS if entry.details.get(k) is not None
        }
        if details:
            shown["details"] = details
    else:
        shown = {k: data[k] for k in FACT_ONLY_FIELDS}
        shown["occurred_at"] = str(shown["occurred_at"])[:10]
        if entry.details.get("withdrawn"):  # a concern that no longer stands says so
            shown["details"] = {"withdrawn": True}
    withheld = decision.withheld
    if withheld:
        shown = _without(shown, withheld)
    if decision.disclose is Disclosure.FACT_ONLY:
        shown["summary"] = FACT_ONLY_SUMMARY
    elif "summary" in withheld:
        shown["summary"] = _fact_sentence(shown)
    shown["disclosure"] = decision.disclose.value
    return shown


def _without(shown: dict[str, Any], withheld: frozenset[str]) -> dict[str, Any]:
    """``shown`` without the ``withheld`` fields, at any depth (details included)."""
    return {k: _strip(v, withheld) for k, v in shown.items() if k not in withheld}


def _strip(value: Any, withheld: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return _without(value, withheld)
    if isinstance(value, list | tuple):
        return [_strip(item, withheld) for item in value]
    return value


def _fact_sentence(shown: dict[str, Any]) -> str:
    """The fact of the concern in words, from fields already cleared to leave (I4)."""
    what = str(shown.get("kind") or "entry").replace("-", " ").capitalize()
    sentence = f"{what} recorded by {shown.get('agency') or 'another agency'}"
    risk = (shown.get("details") or {}).get("risk_level")
    if risk:
        sentence += f", risk level {str(risk).lower()}"
    return (
        f"{sentence}. Further details are withheld under the information-sharing policy: "
        "contact the responsible authority."
    )
