"""Evaluate the alert rules for one chronology entry: which intents it raises, for whom.

``evaluate`` is pure and deterministic: it reads the child's state just after the
entry was recorded (only entries recorded up to and including this one count, so a
later state cannot change the answer), siblings' chronologies as the context gives
them, and the entry's own timestamps, never the wall clock. A replay therefore
raises the same ``AlertIntent``s with the same alert ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from consumers.school_day import SchoolCalendar, next_school_day_start
from hub.alerts.model import AlertIntent, Recipient, Urgency
from hub.alerts.recipients import resolve, resolve_referrer
from hub.alerts.rules import (
    AbsencePatternTrigger,
    AlertRule,
    AlertRules,
    CumulativeConcernTrigger,
    EntryTrigger,
    ReferralOutcomeTrigger,
    conditions_hold,
)
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.directory import School
from hub.lookup.organisations import OrganisationDirectory


@dataclass(frozen=True)
class AlertContext:
    """What evaluation may look up besides the child: directories, siblings, term dates."""

    organisations: OrganisationDirectory
    school: Callable[[str], School | None]
    siblings: Callable[[Child], list[Child]]
    calendar: SchoolCalendar
    default_authority: str | None = None


@dataclass(frozen=True)
class Firing:
    """One reason a rule fires for an entry."""

    discriminator: str = ""
    numbers: dict[str, int] = field(default_factory=dict)  # headline placeholders
    extra: dict[str, Any] = field(default_factory=dict)
    referrer: tuple[str, str] | None = None  # (organisation code, agency)


def evaluate(
    rules: AlertRules, child: Child, entry: ChronologyEntry, context: AlertContext
) -> list[AlertIntent]:
    """The intents ``entry`` raises for ``child``, de-duplicated by alert id, in rule order."""
    history = _history(child, entry)
    intents: dict[str, AlertIntent] = {}
    for rule in rules.rules:
        if not _status_holds(rule.child_status, child):
            continue
        for firing in _fire(rule, child, entry, history, context):
            for intent in _intents(rule, child, entry, firing, context):
                intents.setdefault(intent.alert_id, intent)
    return list(intents.values())


# Time ---------------------------------------------------------------------------------------


def _instant(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _in_window(entry: ChronologyEntry, end: datetime, days: int) -> bool:
    return end - timedelta(days=days) <= _instant(entry.occurred_at) <= end


# Selection ----------------------------------------------------------------------------------


def _history(child: Child, entry: ChronologyEntry) -> list[ChronologyEntry]:
    """The child's entries as recorded up to and including ``entry`` (which comes last)."""
    for index, recorded in enumerate(child.entries):
        if recorded.event_id == entry.event_id:
            return [*child.entries[:index], entry]
    return [*child.entries, entry]


def _status_holds(status: str, child: Child) -> bool:
    return {
        "any": True,
        "on-plan": child.on_plan,
        "looked-after": child.looked_after,
        "on-plan-or-looked-after": child.on_plan or child.looked_after,
        "not-on-plan": not child.on_plan,
    }[status]


def _fire(
    rule: AlertRule,
    child: Child,
    entry: ChronologyEntry,
    history: list[ChronologyEntry],
    context: AlertContext,
) -> list[Firing]:
    trigger = rule.trigger
    if isinstance(trigger, EntryTrigger):
        return _entry(trigger, entry, history)
    if isinstance(trigger, AbsencePatternTrigger):
        return _absence(trigger, entry, history)
    if isinstance(trigger, CumulativeConcernTrigger):
        return _cumulative(trigger, child, entry, history, context)
    return _referral_outcome(trigger, entry, history)


def _entry(
    trigger: EntryTrigger, entry: ChronologyEntry, history: list[ChronologyEntry]
) -> list[Firing]:
    if not trigger.match.matches(entry):
        return []
    key = trigger.once_per
    if key is not None and key in entry.details:
        earlier = (e for e in history[:-1] if e.details.get(key) == entry.details[key])
        if any(trigger.match.matches(e) for e in earlier):
            return []
    return [Firing()]


def _session(entry: ChronologyEntry) -> tuple[str, str]:
    return (str(entry.details.get("session_date")), str(entry.details.get("session")))


def _iso_week(entry: ChronologyEntry) -> str | None:
    try:
        year, week, _ = date.fromisoformat(str(entry.details.get("session_date"))).isocalendar()
    except ValueError:
        return None
    return f"{year}-W{week:02d}"


def _absence(
    trigger: AbsencePatternTrigger, entry: ChronologyEntry, history: list[ChronologyEntry]
) -> list[Firing]:
    def counts(e: ChronologyEntry) -> bool:
        return e.kind == "school-absence" and (
            not trigger.absence_types or e.details.get("absence_type") in trigger.absence_types
        )

    if not counts(entry):
        return []
    numbers = {"count": trigger.threshold, "threshold": trigger.threshold}
    if trigger.pattern == "consecutive-sessions":
        run = entry.details.get("consecutive_absences")
        if type(run) is not int or run != trigger.threshold:
            return []
        again = any(
            counts(e)
            and _session(e) == _session(entry)
            and e.details.get("consecutive_absences") == run
            for e in history[:-1]
        )
        return [] if again else [Firing(f"consecutive:{_session(entry)[0]}", numbers)]
    week = _iso_week(entry)
    if week is None:
        return []
    before = {_session(e) for e in history[:-1] if counts(e) and _iso_week(e) == week}
    if _session(entry) in before or len(before) + 1 != trigger.threshold:
        return []
    return [Firing(week, numbers, {"iso_week": week})]


def _source(trigger: CumulativeConcernTrigger, entry: ChronologyEntry) -> str:
    return entry.agency if trigger.count_by == "agency" else entry.source_organisation


def _cumulative(
    trigger: CumulativeConcernTrigger,
    child: Child,
    entry: ChronologyEntry,
    history: list[ChronologyEntry],
    context: AlertContext,
) -> list[Firing]:
    def signal(e: ChronologyEntry) -> bool:
        return any(match.matches(e) for match in trigger.signals)

    if not signal(entry):
        return []
    end = _instant(entry.occurred_at)
    pool: list[ChronologyEntry] = list(history[:-1])
    if trigger.include_siblings:
        pool += [e for sibling in context.siblings(child) for e in sibling.entries]
    others = {
        _source(trigger, e)
        for e in pool
        if e.event_id != entry.event_id and signal(e) and _in_window(e, end, trigger.window_days)
    }
    together = others | {_source(trigger, entry)}
    if not len(others) < trigger.threshold <= len(together):
        return []
    numbers = {"count": len(together), "window_days": trigger.window_days}
    extra = {trigger.count_by: sorted(together), "window_days": trigger.window_days}
    return [Firing(trigger.count_by, numbers, extra)]


def _referral_outcome(
    trigger: ReferralOutcomeTrigger, entry: ChronologyEntry, history: list[ChronologyEntry]
) -> list[Firing]:
    if not any(fnmatchcase(entry.kind, pattern) for pattern in trigger.kinds):
        return []
    end = _instant(entry.occurred_at)
    referrals: dict[tuple[str, str], list[str]] = {}
    for e in history[:-1]:
        if any(m.matches(e) for m in trigger.referrals) and _in_window(e, end, trigger.window_days):
            referrals.setdefault((e.source_organisation, e.agency), []).append(e.event_id)
    return [
        Firing(
            numbers={"window_days": trigger.window_days},
            extra={"referral_event_ids": sorted(event_ids)},
            referrer=referrer,
        )
        for referrer, event_ids in sorted(referrals.items())
    ]


# Intents ------------------------------------------------------------------------------------


def _recipients(
    rule: AlertRule, child: Child, firing: Firing, context: AlertContext
) -> Iterator[Recipient]:
    for kind in rule.recipients:
        if kind == "referrer":
            found = resolve_referrer(*firing.referrer, context) if firing.referrer else None
        else:
            found = resolve(kind, child, context)
            if found is None and kind in rule.fallback:
                found = resolve(rule.fallback[kind], child, context)
        if found is not None:
            yield found


def _intents(
    rule: AlertRule, child: Child, entry: ChronologyEntry, firing: Firing, context: AlertContext
) -> Iterator[AlertIntent]:
    urgency = rule.urgency
    if rule.urgent_when and conditions_hold(entry, rule.urgent_when):
        urgency = Urgency.URGENT
    numbers = {"count": 0, "threshold": 0, "window_days": 0, **firing.numbers}
    headline = rule.headline.format_map(numbers)
    for recipient in _recipients(rule, child, firing, context):
        deliver_by = None
        if rule.deliver_before_next_school_day and recipient.kind == "school-dsl":
            deliver_by = next_school_day_start(context.calendar, _instant(entry.recorded_at))
        yield AlertIntent(
            rule_id=rule.id,
            requirements=rule.requirements,
            child_id=str(child.id),
            entry=entry,
            recipient=recipient,
            urgency=urgency,
            headline=headline,
            deliver_by=deliver_by,
            discriminator=firing.discriminator,
            extra=dict(firing.extra),
        )
