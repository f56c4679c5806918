"""Alert rules as data: who must be told about which entries (the model).

Each rule names a trigger type implemented in ``hub.alerts.evaluate`` (``entry``,
``absence-pattern``, ``cumulative-concern``, ``referral-outcome``), its parameters,
the requirements it serves, the recipient kinds to tell (resolved by
``hub.alerts.recipients``), the urgency and a factual headline that names no one.
``hub.alerts.rules_loader`` reads and checks them from ``alert-rules.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from hub.domain.chronology import ChronologyEntry, DetailValue

# What happens when none of a rule's recipients (nor their fallbacks) can be resolved.
RAISE_UNROUTED = "raise-unrouted"  # to the hub's duty operator, who must route it
RECORD_ONLY = "record-only"  # audited with the reason, nobody told (the audience may not exist)

Conditions = dict[str, tuple[DetailValue, ...]]


def _same(value: DetailValue, wanted: DetailValue) -> bool:
    return type(value) is type(wanted) and value == wanted  # True must not match 1


def conditions_hold(entry: ChronologyEntry, conditions: Conditions) -> bool:
    """Every named detail of ``entry`` has one of the listed values."""
    return all(
        name in entry.details and any(_same(entry.details[name], v) for v in values)
        for name, values in conditions.items()
    )


@dataclass(frozen=True)
class EntryMatch:
    """Entries of one of ``kinds`` (glob patterns) whose details satisfy the conditions."""

    kinds: tuple[str, ...]
    details: Conditions = field(default_factory=dict)
    details_not: Conditions = field(default_factory=dict)

    def matches(self, entry: ChronologyEntry) -> bool:
        return (
            any(fnmatchcase(entry.kind, pattern) for pattern in self.kinds)
            and conditions_hold(entry, self.details)
            and not any(
                name in entry.details and any(_same(entry.details[name], v) for v in values)
                for name, values in self.details_not.items()
            )
        )


@dataclass(frozen=True)
class EntryTrigger:
    """The entry itself matches; with ``once_per``, only the first match sharing that detail."""

    match: EntryMatch
    once_per: str | None = None


@dataclass(frozen=True)
class AbsencePatternTrigger:
    """School absence: sessions in the entry's ISO week, or a run of consecutive sessions."""

    pattern: str
    threshold: int
    absence_types: tuple[str, ...] = ()  # empty: any absence type


@dataclass(frozen=True)
class CumulativeConcernTrigger:
    """Signals about the child (and siblings) from ``threshold`` distinct sources in a window."""

    signals: tuple[EntryMatch, ...]
    window_days: int = 30
    threshold: int = 2
    count_by: str = "agency"
    include_siblings: bool = True


@dataclass(frozen=True)
class ReferralOutcomeTrigger:
    """A decision entry after a recent referral-like entry: tell each referring organisation."""

    kinds: tuple[str, ...]
    referrals: tuple[EntryMatch, ...]
    window_days: int = 60


Trigger = EntryTrigger | AbsencePatternTrigger | CumulativeConcernTrigger | ReferralOutcomeTrigger


@dataclass(frozen=True)
class AlertRule:
    id: str
    description: str
    requirements: tuple[str, ...]
    headline: str
    trigger: Trigger
    recipients: tuple[str, ...]
    urgency: str
    child_status: str = "any"
    fallback: dict[str, str] = field(default_factory=dict)
    urgent_when: Conditions = field(default_factory=dict)
    deliver_before_next_school_day: bool = False
    if_no_recipient: str = RAISE_UNROUTED


@dataclass(frozen=True)
class AlertRules:
    version: str
    rules: tuple[AlertRule, ...]
    source: str = "alert-rules"
    # Rules whose trigger can match an entry of a kind, filled as kinds are met (may_fire).
    _by_kind: dict[str, tuple[AlertRule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def for_kind(self, kind: str) -> tuple[AlertRule, ...]:
        """The rules that could fire on an entry of ``kind``, judged by kind alone."""
        found = self._by_kind.get(kind)
        if found is None:
            found = tuple(rule for rule in self.rules if _kind_matches(rule.trigger, kind))
            self._by_kind[kind] = found
        return found


def _kind_matches(trigger: Trigger, kind: str) -> bool:
    if isinstance(trigger, EntryTrigger):
        patterns: tuple[str, ...] = trigger.match.kinds
    elif isinstance(trigger, AbsencePatternTrigger):
        patterns = ("school-absence",)
    elif isinstance(trigger, CumulativeConcernTrigger):
        patterns = tuple(p for match in trigger.signals for p in match.kinds)
    else:
        patterns = trigger.kinds
    return any(fnmatchcase(kind, pattern) for pattern in patterns)


def may_fire(rules: AlertRules, entry: ChronologyEntry) -> bool:
    """False when no rule could fire on ``entry``, judged from the entry alone.

    Conservative: True whenever a rule's trigger could match, so the caller may skip
    rebuilding the child only when the answer is certainly "nothing to raise".
    """
    for rule in rules.for_kind(entry.kind):
        trigger = rule.trigger
        if isinstance(trigger, EntryTrigger):
            if trigger.match.matches(entry):
                return True
        elif isinstance(trigger, AbsencePatternTrigger):
            if entry.kind != "school-absence":
                continue
            if trigger.absence_types and entry.details.get("absence_type") not in (
                trigger.absence_types
            ):
                continue
            if (
                trigger.pattern == "consecutive-sessions"
                and entry.details.get("consecutive_absences") != trigger.threshold
            ):
                continue
            return True
        elif isinstance(trigger, CumulativeConcernTrigger):
            if any(match.matches(entry) for match in trigger.signals):
                return True
        elif any(fnmatchcase(entry.kind, kind) for kind in trigger.kinds):
            return True
    return False
