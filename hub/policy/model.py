"""The policy as data: rules, labels, lawful bases, and the vocabulary they use."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from fnmatch import fnmatchcase
from typing import Any

ROLES = frozenset(
    {
        "social-worker",
        "unscheduled-care-clinician",
        "school-dsl",
        "gp",
        "health-visitor",
        "school-nurse",
        "police-officer",
        "ig-lead",
        "hub-operator",
    }
)
RELATIONSHIPS = frozenset(
    {
        "lead-social-worker",
        "treating-clinician",
        "childs-school",
        "registered-gp",
        "break-glass",
        "responsible-authority",
        "front-door",
        "referrer",
        "none",
    }
)
PURPOSES = frozenset({"direct-care", "safeguarding", "referral-feedback", "operations"})
RISK_LEVELS = frozenset({"STANDARD", "MEDIUM", "HIGH"})
MATCHED_CACHE_SIZE = 10_000  # remembered answers of Policy.matching()


class Disclosure(Enum):
    """How much of an entry a recipient receives, most to least."""

    FULL = "full"
    MINIMISED = "minimised"
    FACT_ONLY = "fact-only"
    REFUSE = "refuse"


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    roles: frozenset[str]
    relationships: frozenset[str]
    purposes: frozenset[str]
    kinds: tuple[str, ...]
    lawful_basis: str
    disclose: Disclosure
    risk_levels: frozenset[str] | None = None
    on_plan: bool | None = None
    looked_after: bool | None = None
    organisation_types: frozenset[str] | None = None
    overrides: frozenset[str] = frozenset()
    # Only entries carrying at least one of these sensitivity labels (None: any entry).
    labels: frozenset[str] | None = None

    def matches(
        self,
        role: str,
        relationship: str,
        purpose: str,
        kind: str,
        facts: ChildFacts,
        organisation_type: str | None = None,
    ) -> bool:
        return (
            role in self.roles
            and relationship in self.relationships
            and (self.organisation_types is None or organisation_type in self.organisation_types)
            and (self.looked_after is None or facts.looked_after == self.looked_after)
            and purpose in self.purposes
            and any(fnmatchcase(kind, pattern) for pattern in self.kinds)
            and (self.risk_levels is None or facts.risk_level in self.risk_levels)
            and (self.on_plan is None or facts.on_plan == self.on_plan)
            and (self.labels is None or bool(self.labels & facts.labels))
        )


@dataclass(frozen=True)
class ChildFacts:
    """What rules may depend on about the child and the entry (P2)."""

    on_plan: bool = False
    looked_after: bool = False
    risk_level: str | None = None
    labels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class BreakGlassTerms:
    """Who may break glass, for how long, on which basis, with which coded reasons."""

    allowed_roles: frozenset[str]
    minutes: int
    lawful_basis: str
    reason_codes: frozenset[str]


@dataclass(frozen=True)
class CallerTerms:
    """On which terms one role may make a call: from which organisations, for which purposes."""

    role: str
    organisation_types: frozenset[str]
    purposes: frozenset[str]
    notify_access: bool = False


@dataclass(frozen=True)
class CallTerms:
    """Who may make one kind of call (a service operation) at all; the rules decide the content."""

    name: str
    description: str
    callers: dict[str, CallerTerms] = field(default_factory=dict)


@dataclass(frozen=True)
class Policy:
    version: str
    lawful_bases: dict[str, str]
    label_roles: dict[str, frozenset[str]]
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    break_glass: BreakGlassTerms | None = None
    calls: dict[str, CallTerms] = field(default_factory=dict)
    # Answers of matching(), which depend only on its arguments (the policy never changes):
    # a lookup asks the same few questions again and again.
    _matched: dict[tuple[Any, ...], tuple[Rule, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def matching(
        self,
        role: str,
        relationship: str,
        purpose: str,
        kind: str,
        facts: ChildFacts,
        organisation_type: str | None = None,
    ) -> list[Rule]:
        key = (role, relationship, purpose, kind, facts, organisation_type)
        answer = self._matched.get(key)
        if answer is None:
            found = [
                r
                for r in self.rules
                if r.matches(role, relationship, purpose, kind, facts, organisation_type)
            ]
            overridden = {target for rule in found for target in rule.overrides}
            answer = tuple(rule for rule in found if rule.id not in overridden)
            if len(self._matched) >= MATCHED_CACHE_SIZE:
                self._matched.clear()
            self._matched[key] = answer
        return list(answer)
