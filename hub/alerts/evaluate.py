"""Evaluate the alert rules for one chronology entry: which intents it raises, for whom.

``evaluate`` is pure and deterministic, and judges on event time: the child's plan
and looked-after status as it was at the entry's ``occurred_at`` (from the plan
history, ``hub.alerts.status_at``), and, for windowed rules, every entry of the
child (and siblings) whose event time falls in the window up to and including this
one, whatever order they arrived in. Windowed rules name what they fire for
(``occurrence``: an ISO week, an attendance, a period of the window) rather than
the entry that happened to complete them, and a firing only ever becomes more
likely as records arrive. So re-judging entries when a late record arrives
(``hub.alerts.raiser``) raises what evaluation in time order would have raised,
and deterministic ids keep it from raising anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from hub.access.organisations import OrganisationDirectory
from hub.alerts.model import AlertIntent, Recipient, Urgency
from hub.alerts.postcode_areas import PostcodeAreas
from hub.alerts.recipients import resolve, resolve_referrer, school_dsls, unresolved_reason
from hub.alerts.routing import UNROUTED, as_fallback, slot, unrouted
from hub.alerts.rules import (
    RECORD_ONLY,
    AbsencePatternTrigger,
    AlertRule,
    AlertRules,
    CumulativeConcernTrigger,
    EntryTrigger,
    ReferralOutcomeTrigger,
    conditions_hold,
)
from hub.alerts.status_at import StatusAt, StatusHistory
from hub.calendar.school_day import SchoolCalendar, next_school_day_start
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry, instant
from hub.domain.directory import School


@dataclass(frozen=True)
class AlertContext:
    """What evaluation may look up besides the child: directories, siblings, term dates."""

    organisations: OrganisationDirectory
    school: Callable[[str], School | None]
    siblings: Callable[[Child], list[Child]]
    calendar: SchoolCalendar
    default_authority: str | None = None
    postcode_areas: PostcodeAreas | None = None
    operator_email: str | None = None  # the hub duty operator's mailbox, for unrouted alerts


@dataclass(frozen=True)
class Firing:
    """One reason a rule fires for an entry."""

    occurrence: str = ""  # what it fires for; "" is the entry itself
    numbers: dict[str, int] = field(default_factory=dict)  # headline placeholders
    extra: dict[str, Any] = field(default_factory=dict)
    referrer: tuple[str, str] | None = None  # (organisation code, agency)


def evaluate(
    rules: AlertRules,
    child: Child,
    entry: ChronologyEntry,
    context: AlertContext,
    statuses: StatusHistory | None = None,
) -> list[AlertIntent]:
    """The intents ``entry`` raises for ``child``, de-duplicated by alert id, in rule order.

    ``statuses`` is the child's status history, when the caller judges several entries.
    """
    history = _history(child, entry)
    status = (statuses or StatusHistory(child)).at(entry.occurred_at)
    intents: dict[str, AlertIntent] = {}
    for rule in rules.rules:
        if not _status_holds(rule.child_status, status):
            continue
        for firing in _fire(rule, child, entry, history, context):
            for intent in _intents(rule, child, entry, firing, context):
                intents.setdefault(intent.alert_id, intent)
    return list(intents.values())


# Time ---------------------------------------------------------------------------------------


def _in_window(entry: ChronologyEntry, end: datetime, days: int) -> bool:
    return end - timedelta(days=days) <= instant(entry.occurred_at) <= end


def _order(entry: ChronologyEntry) -> tuple[datetime, str]:
    """Event-time order; entries at the same instant are ordered by event id."""
    return (instant(entry.occurred_at), entry.event_id)


def _not_after(entry: ChronologyEntry, anchor: ChronologyEntry) -> bool:
    """``entry`` happened before ``anchor``, or is it."""
    return _order(entry) <= _order(anchor)


def _period(moment: datetime, days: int) -> int:
    """Which fixed period of ``days`` days (counted from 1970-01-01) ``moment`` falls in."""
    return (moment.date() - date(1970, 1, 1)).days // days


# Selection ----------------------------------------------------------------------------------


def _history(child: Child, entry: ChronologyEntry) -> list[ChronologyEntry]:
    """Every entry of the child (``entry`` included), in whatever order they arrived."""
    if child.has_seen(entry.event_id):
        return list(child.entries)
    return [*child.entries, entry]


def _status_holds(wanted: str, status: StatusAt) -> bool:
    return {
        "any": True,
        "on-plan": status.on_plan,
        "looked-after": status.looked_after,
        "on-plan-or-looked-after": status.on_plan or status.looked_after,
        "not-on-plan": not status.on_plan,
    }[wanted]


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
    """The entry matches.

    With ``once_per`` the alert is for that detail's value, whichever matching entry
    arrives first (so a second one shares its id).
    """
    if not trigger.match.matches(entry):
        return []
    key = trigger.once_per
    if key is not None and key in entry.details:
        return [Firing(occurrence=f"{key}={entry.details[key]}")]
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
        day, session = _session(entry)
        return [Firing(f"consecutive:{day}:{session}", numbers)]
    week = _iso_week(entry)
    if week is None:
        return []
    # Sessions of the week up to and including this one: the threshold is reached here or
    # was reached earlier in the week; either way the alert is the week's, raised once.
    sessions = {
        _session(e)
        for e in history
        if counts(e) and _iso_week(e) == week and _session(e) <= _session(entry)
    }
    if len(sessions) < trigger.threshold:
        return []
    return [Firing(f"week:{week}", numbers, {"iso_week": week})]


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

    """Sources signalling in the window ending at this entry reach the threshold.

    The window holds this entry and earlier ones, the child's and its siblings'. The alert
    is for the fixed period of ``window_days`` the entry falls in: at most one per period,
    whichever entry completes it.
    """
    if not signal(entry):
        return []
    end = instant(entry.occurred_at)
    pool: list[ChronologyEntry] = list(history)
    if trigger.include_siblings:
        pool += [e for sibling in context.siblings(child) for e in sibling.entries]
    together = {
        _source(trigger, e)
        for e in pool
        if signal(e) and _in_window(e, end, trigger.window_days) and _not_after(e, entry)
    }
    together.add(_source(trigger, entry))
    if len(together) < trigger.threshold:
        return []
    numbers = {"count": len(together), "window_days": trigger.window_days}
    extra = {trigger.count_by: sorted(together), "window_days": trigger.window_days}
    occurrence = f"{trigger.count_by}:period-{_period(end, trigger.window_days)}"
    return [Firing(occurrence, numbers, extra)]


def _referral_outcome(
    trigger: ReferralOutcomeTrigger, entry: ChronologyEntry, history: list[ChronologyEntry]
) -> list[Firing]:
    if not any(fnmatchcase(entry.kind, pattern) for pattern in trigger.kinds):
        return []
    end = instant(entry.occurred_at)
    referrals: dict[tuple[str, str], list[str]] = {}
    for e in history:
        if e.event_id == entry.event_id or not _not_after(e, entry):
            continue
        if any(m.matches(e) for m in trigger.referrals) and _in_window(e, end, trigger.window_days):
            referrals.setdefault((e.source_organisation, e.agency), []).append(e.event_id)
    return [
        Firing(
            occurrence=f"{entry.event_id}|referrer={referrer[0]}",
            numbers={"window_days": trigger.window_days},
            extra={"referral_event_ids": sorted(event_ids)},
            referrer=referrer,
        )
        for referrer, event_ids in sorted(referrals.items())
    ]


# Intents ------------------------------------------------------------------------------------


def _school_window(entry: ChronologyEntry, context: AlertContext) -> tuple[date, date]:
    """From the local day the entry happened to the next school day after it was recorded.

    Both are dates in the local area's time zone (the calendar's), not UTC dates: an
    incident at 00:30 BST on a Monday happened on the Monday.
    """
    happened = context.calendar.local_date(instant(entry.occurred_at))
    recorded = instant(entry.recorded_at or entry.occurred_at)
    return happened, max(happened, next_school_day_start(context.calendar, recorded).date())


def _recipients(
    rule: AlertRule,
    child: Child,
    entry: ChronologyEntry,
    firing: Firing,
    context: AlertContext,
) -> tuple[list[tuple[str, Recipient]], list[tuple[str, str]]]:
    """(slot, recipient) for each kind that resolves, and (kind, reason) for each that does not.

    School DSLs are those of every school whose roll the child is on from the day the
    entry happened to the next school day (``_school_window``): each is told. When no
    kind resolves at all, the hub's duty operator stands in: unrouted, never dropped.
    """
    found: list[tuple[str, Recipient]] = []
    unresolved: list[tuple[str, str]] = []
    for kind in rule.recipients:
        if kind == "referrer":
            recipient = resolve_referrer(*firing.referrer, context) if firing.referrer else None
            if recipient is not None:
                found.append((slot(kind, recipient), recipient))
            else:
                unresolved.append((kind, unresolved_reason(kind)))
            continue
        if kind == "school-dsl":
            schools = school_dsls(child, context, *_school_window(entry, context))
            found += [(slot(kind, school), school) for school in schools]
            if schools:
                continue
            recipient = None
        else:
            recipient = resolve(kind, child, context)
        if recipient is None and kind in rule.fallback:
            instead = resolve(rule.fallback[kind], child, context)
            recipient = as_fallback(instead) if instead is not None else None
        if recipient is None:
            unresolved.append((kind, unresolved_reason(kind)))
            if kind in rule.fallback:
                unresolved.append((rule.fallback[kind], unresolved_reason(rule.fallback[kind])))
        else:
            found.append((slot(kind, recipient), recipient))
    if not found:
        kind = rule.recipients[0]
        found.append(("unrouted", unrouted(kind, context.operator_email)))
    return found, unresolved


def _intents(
    rule: AlertRule, child: Child, entry: ChronologyEntry, firing: Firing, context: AlertContext
) -> Iterator[AlertIntent]:
    urgency = rule.urgency
    if rule.urgent_when and conditions_hold(entry, rule.urgent_when):
        urgency = Urgency.URGENT
    numbers = {"count": 0, "threshold": 0, "window_days": 0, **firing.numbers}
    headline = rule.headline.format_map(numbers)
    found, unresolved = _recipients(rule, child, entry, firing, context)
    for audience, recipient in found:
        deliver_by = None
        if rule.deliver_before_next_school_day and recipient.kind == "school-dsl":
            deliver_by = next_school_day_start(context.calendar, instant(entry.recorded_at))
        yield AlertIntent(
            rule_id=rule.id,
            requirements=rule.requirements,
            child_id=str(child.id),
            entry=entry,
            recipient=recipient,
            urgency=urgency,
            headline=headline,
            deliver_by=deliver_by,
            extra=dict(firing.extra),
            occurrence=firing.occurrence,
            slot=audience,
            unresolved=tuple(unresolved),
            record_only=recipient.route == UNROUTED and rule.if_no_recipient == RECORD_ONLY,
        )
