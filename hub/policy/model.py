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
        "safeguarding-manager",  # managers and boards: aggregate figures only (hub mi)
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
        "duty-operator",  # the hub's duty operator, routing a concern nobody could be found for
        "none",
    }
)
PURPOSES = frozenset(
    {
        "direct-care",
        "safeguarding",
        "referral-feedback",
        "operations",
        "routing",
        "oversight",
        "subject-access",  # answering the child's (or their representative's) Article 15 request
    }
)
RISK_LEVELS = frozenset({"STANDARD", "MEDIUM", "HIGH"})
MATCHED_CACHE_SIZE = 10_000  # remembered answers of Policy.matching()

# The fact of a concern (I1, I4): what it is, when, from which agency and how serious. A label
# never withholds these alone; a label whose concern must not be known at all withholds the
# whole entry instead (``withholds = "entry"``).
FACT_FIELDS = frozenset({"kind", "occurred_at", "agency", "risk_level"})
# The fields a label may withhold, wherever they appear in what leaves the hub (the entry's own
# fields and its details, at any depth). Every detail an agency's record becomes must be named
# here (a unit test checks the translations), so a new field is a decision, never a leak.
REDACTABLE_FIELDS = frozenset(
    {
        # the entry's own fields
        "summary",
        "source_reference",
        "source_organisation",
        "recorded_at",
        "event_id",
        "labels",
        # where the child lives
        "address",
        "postcode",
        "uprn",
        "household_reference",
        # police domestic abuse notifications
        "incident_reference",
        "perpetrator_relation",
        "present",
        "resident",
        "voice",
        "named_in_notification",  # told through the household (P3), not named by the police
        # unscheduled care
        "site_code",
        "site_type",
        "attendance_reference",
        "arrival_time",
        "attendance_category",
        "injury",
        "safeguarding_concern_raised",
        "suspected_non_accidental_injury",
        "examination_refused",
        "discharge_status",
        "discharge_time",
        # school attendance
        "school_urn",
        "session_date",
        "session",
        "attendance_code",
        "absence_type",
        "consecutive_absences",
        # plan and looked-after status
        "status_event",
        "event_date",
        "plan_category",
        "looked_after",
        "responsible_authority",
    }
)


UNDEFINED_LABEL_WITHHOLDS = tuple(sorted(REDACTABLE_FIELDS))


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
class Label:
    """A sensitivity label: the roles that may see what it protects, and what it protects.

    ``withholds_entry``: the entry itself is the sensitive fact (its kind says it), so roles
    outside ``allowed_roles`` receive nothing of it. Otherwise the label protects ``fields``:
    those roles receive what the rules give them without these fields, so the fact of the
    concern still reaches whoever has a safeguarding relationship (I1, I4).
    """

    name: str
    allowed_roles: frozenset[str]
    withholds_entry: bool
    fields: frozenset[str] = frozenset()


# What the labels on one entry mean for one role: the label sealing the whole entry (if any),
# and per label the fields withheld, as (label, sorted fields) pairs in label order.
Redactions = tuple[tuple[str, tuple[str, ...]], ...]
LabelVerdict = tuple[str | None, Redactions]


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
    labels: dict[str, Label]
    rules: tuple[Rule, ...] = field(default_factory=tuple)
    break_glass: BreakGlassTerms | None = None
    calls: dict[str, CallTerms] = field(default_factory=dict)
    # Answers of matching(), which depend only on its arguments (the policy never changes):
    # a lookup asks the same few questions again and again.
    _matched: dict[tuple[Any, ...], tuple[Rule, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _verdicts: dict[tuple[tuple[str, ...], str], LabelVerdict] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @property
    def label_roles(self) -> dict[str, frozenset[str]]:
        """Who may see what each label protects."""
        return {name: label.allowed_roles for name, label in self.labels.items()}

    def label_verdict(self, labels: tuple[str, ...], role: str) -> LabelVerdict:
        """What ``labels`` on an entry mean for ``role``: a sealing label, or fields withheld.

        A label the policy does not define (a misspelt or new label from an agency) fails
        closed on detail: it withholds every field any label may withhold, from every role,
        so only the fact of the entry can leave (``engine.decide`` also queues it for IG
        review). A sealing label wins over any field-withholding one (nothing of the entry
        leaves at all).
        """
        key = (labels, role)
        verdict = self._verdicts.get(key)
        if verdict is None:
            sealing: str | None = None
            redactions: list[tuple[str, tuple[str, ...]]] = []
            for name in labels:
                label = self.labels.get(name)
                if label is None:
                    redactions.append((name, UNDEFINED_LABEL_WITHHOLDS))
                    continue
                if role in label.allowed_roles:
                    continue
                if label.withholds_entry:
                    sealing = sealing or name
                else:
                    redactions.append((name, tuple(sorted(label.fields))))
            verdict = (sealing, () if sealing else tuple(redactions))
            if len(self._verdicts) >= MATCHED_CACHE_SIZE:
                self._verdicts.clear()
            self._verdicts[key] = verdict
        return verdict

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
