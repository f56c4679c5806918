"""Load and check the alert rules from ``alert-rules.toml`` (``HUB_ALERT_RULES`` overrides).

A malformed file fails at start-up with the rule id and field at fault. The rules'
model is ``hub.alerts.rules``.
"""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

from hub.alerts.model import Urgency
from hub.alerts.rules import (
    RAISE_UNROUTED,
    RECORD_ONLY,
    AbsencePatternTrigger,
    AlertRule,
    AlertRules,
    Conditions,
    CumulativeConcernTrigger,
    EntryMatch,
    EntryTrigger,
    ReferralOutcomeTrigger,
    Trigger,
)
from hub.config import DEFAULT_ALERT_RULES as DEFAULT_ALERT_RULES
from hub.domain.errors import HubError

# The requirement ids defined in docs/requirements.md, which rules may cite.
KNOWN_REQUIREMENTS = frozenset(
    [f"A{n}" for n in range(1, 8)]
    + [f"P{n}" for n in range(1, 5)]
    + ["S1", "S2", "R1", "R2"]
    + [f"C{n}" for n in range(1, 6)]
    + [f"I{n}" for n in range(1, 7)]
    + [f"G{n}" for n in range(1, 5)]
    + [f"F{n}" for n in range(1, 5)]
)
RECIPIENT_KINDS = frozenset(
    {
        "lead-social-worker",
        "duty-team",
        "front-door",
        "registered-gp",
        "health-visitor",
        "school-dsl",
        "referrer",
    }
)
CHILD_STATUSES = frozenset(
    {"any", "on-plan", "looked-after", "on-plan-or-looked-after", "not-on-plan"}
)
ABSENCE_PATTERNS = frozenset({"sessions-in-week", "consecutive-sessions"})
COUNT_BY = frozenset({"agency", "source_organisation"})
HEADLINE_FIELDS = frozenset({"count", "threshold", "window_days"})
RULE_KEYS = frozenset(
    {
        "id",
        "description",
        "requirements",
        "headline",
        "child_status",
        "trigger",
        "parameters",
        "recipients",
        "fallback",
        "urgency",
        "urgent_when",
        "deliver_before_next_school_day",
        "if_no_recipient",
    }
)
IF_NO_RECIPIENT = frozenset({RAISE_UNROUTED, RECORD_ONLY})


class AlertRulesError(HubError):
    """The alert rules file cannot be used; the message names the rule and field."""


def load_alert_rules(path: Path | None = None) -> AlertRules:
    """Load and check the rules at ``path`` (default: the shipped rules)."""
    path = path or DEFAULT_ALERT_RULES
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise AlertRulesError(f"{path}: {error}") from None
    return parse_alert_rules(data, str(path))


def parse_alert_rules(data: dict[str, Any], source: str = "alert-rules") -> AlertRules:
    unknown = sorted(set(data) - {"version", "rules"})
    if unknown:
        raise AlertRulesError(f"{source}: unknown top-level keys {unknown}")
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise AlertRulesError(f"{source}: 'version' is required (a non-empty string)")
    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise AlertRulesError(f"{source}: at least one [[rules]] table is required")
    rules = tuple(_rule(source, index, raw) for index, raw in enumerate(raw_rules))
    ids = [rule.id for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise AlertRulesError(f"{source}: duplicate rule ids: {', '.join(duplicates)}")
    return AlertRules(version=version, rules=rules, source=source)


def _rule(source: str, index: int, raw: Any) -> AlertRule:
    if not isinstance(raw, dict):
        raise AlertRulesError(f"{source}: rules[{index}]: must be a table")
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise AlertRulesError(f"{source}: rules[{index}]: id: required (a non-empty string)")
    at = f"{source}: rule {rule_id}"
    unknown = sorted(set(raw) - RULE_KEYS)
    if unknown:
        raise AlertRulesError(f"{at}: unknown keys {unknown}")
    requirements = _strings(at, "requirements", raw.get("requirements"), KNOWN_REQUIREMENTS)
    recipients = _strings(at, "recipients", raw.get("recipients"), RECIPIENT_KINDS)
    fallback = _fallback(at, raw.get("fallback", {}), recipients)
    urgency = raw.get("urgency")
    if urgency not in (Urgency.URGENT, Urgency.ROUTINE):
        raise AlertRulesError(f"{at}: urgency: must be 'urgent' or 'routine', not {urgency!r}")
    status = raw.get("child_status", "any")
    if status not in CHILD_STATUSES:
        raise AlertRulesError(
            f"{at}: child_status: {status!r} is not one of {_sorted(CHILD_STATUSES)}"
        )
    school_deadline = raw.get("deliver_before_next_school_day", False)
    if not isinstance(school_deadline, bool):
        raise AlertRulesError(f"{at}: deliver_before_next_school_day: must be true or false")
    if school_deadline and "school-dsl" not in (*recipients, *fallback.values()):
        raise AlertRulesError(f"{at}: deliver_before_next_school_day: no school-dsl recipient")
    if_no_recipient = raw.get("if_no_recipient", RAISE_UNROUTED)
    if if_no_recipient not in IF_NO_RECIPIENT:
        raise AlertRulesError(
            f"{at}: if_no_recipient: must be one of {_sorted(IF_NO_RECIPIENT)}, "
            f"not {if_no_recipient!r}"
        )
    trigger = _trigger(at, raw.get("trigger"), raw.get("parameters", {}))
    if ("referrer" in recipients) != isinstance(trigger, ReferralOutcomeTrigger):
        raise AlertRulesError(
            f"{at}: recipients: 'referrer' goes with, and only with, trigger 'referral-outcome'"
        )
    return AlertRule(
        id=rule_id,
        description=_text(at, "description", raw.get("description")),
        requirements=requirements,
        headline=_headline(at, raw.get("headline")),
        trigger=trigger,
        recipients=recipients,
        urgency=urgency,
        child_status=status,
        fallback=fallback,
        urgent_when=_conditions(at, "urgent_when", raw.get("urgent_when", {})),
        deliver_before_next_school_day=school_deadline,
        if_no_recipient=if_no_recipient,
    )


def _trigger(at: str, kind: Any, params: Any) -> Trigger:
    if not isinstance(params, dict):
        raise AlertRulesError(f"{at}: parameters: must be a table")
    where = f"{at}: parameters"
    if kind == "entry":
        _only(where, params, {"kinds", "details", "details_not", "once_per"})
        once_per = params.get("once_per")
        if once_per is not None and (not isinstance(once_per, str) or not once_per):
            raise AlertRulesError(f"{where}: once_per: must be a detail name")
        return EntryTrigger(_match(where, params), once_per)
    if kind == "absence-pattern":
        _only(where, params, {"pattern", "threshold", "absence_types"})
        pattern = params.get("pattern")
        if pattern not in ABSENCE_PATTERNS:
            raise AlertRulesError(f"{where}: pattern: must be one of {_sorted(ABSENCE_PATTERNS)}")
        default = 2 if pattern == "sessions-in-week" else 6
        types = params.get("absence_types", [])
        return AbsencePatternTrigger(
            pattern=pattern,
            threshold=_positive(where, "threshold", params.get("threshold", default)),
            absence_types=_strings(where, "absence_types", types, None) if types else (),
        )
    if kind == "cumulative-concern":
        _only(
            where, params, {"signals", "window_days", "threshold", "count_by", "include_siblings"}
        )
        count_by = params.get("count_by", "agency")
        if count_by not in COUNT_BY:
            raise AlertRulesError(f"{where}: count_by: must be one of {_sorted(COUNT_BY)}")
        siblings = params.get("include_siblings", True)
        if not isinstance(siblings, bool):
            raise AlertRulesError(f"{where}: include_siblings: must be true or false")
        return CumulativeConcernTrigger(
            signals=_matches(where, "signals", params.get("signals")),
            window_days=_positive(where, "window_days", params.get("window_days", 30)),
            threshold=_positive(where, "threshold", params.get("threshold", 2)),
            count_by=count_by,
            include_siblings=siblings,
        )
    if kind == "referral-outcome":
        _only(where, params, {"kinds", "referrals", "window_days"})
        return ReferralOutcomeTrigger(
            kinds=_strings(where, "kinds", params.get("kinds"), None),
            referrals=_matches(where, "referrals", params.get("referrals")),
            window_days=_positive(where, "window_days", params.get("window_days", 60)),
        )
    raise AlertRulesError(
        f"{at}: trigger: {kind!r} is not one of "
        "['absence-pattern', 'cumulative-concern', 'entry', 'referral-outcome']"
    )


def _match(where: str, raw: dict[str, Any]) -> EntryMatch:
    return EntryMatch(
        kinds=_strings(where, "kinds", raw.get("kinds"), None),
        details=_conditions(where, "details", raw.get("details", {})),
        details_not=_conditions(where, "details_not", raw.get("details_not", {})),
    )


def _matches(where: str, name: str, raw: Any) -> tuple[EntryMatch, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise AlertRulesError(f"{where}: {name}: must be a non-empty list of tables")
    found = []
    for index, table in enumerate(raw):
        at = f"{where}: {name}[{index}]"
        _only(at, table, {"kinds", "details", "details_not"})
        found.append(_match(at, table))
    return tuple(found)


def _conditions(where: str, name: str, raw: Any) -> Conditions:
    if not isinstance(raw, dict):
        raise AlertRulesError(f"{where}: {name}: must be a table of detail = value(s)")
    conditions: Conditions = {}
    for detail, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | bool) for v in values):
            raise AlertRulesError(
                f"{where}: {name}.{detail}: must be a string, number, boolean or a list of them"
            )
        conditions[detail] = tuple(values)
    return conditions


def _fallback(at: str, raw: Any, recipients: tuple[str, ...]) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise AlertRulesError(f"{at}: fallback: must be a table of recipient = fallback recipient")
    for kind, instead in raw.items():
        if kind not in recipients:
            raise AlertRulesError(f"{at}: fallback.{kind}: not one of this rule's recipients")
        if instead not in RECIPIENT_KINDS or instead == "referrer":
            raise AlertRulesError(f"{at}: fallback.{kind}: {instead!r} is not a recipient kind")
    return dict(raw)


def _headline(at: str, raw: Any) -> str:
    headline = _text(at, "headline", raw)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(headline) if name is not None}
    except ValueError as error:
        raise AlertRulesError(f"{at}: headline: {error}") from None
    unknown = sorted(names - HEADLINE_FIELDS)
    if unknown:
        raise AlertRulesError(
            f"{at}: headline: unknown placeholders {unknown}; known: {_sorted(HEADLINE_FIELDS)}"
        )
    return headline


def _text(at: str, name: str, raw: Any) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise AlertRulesError(f"{at}: {name}: required (a non-empty string)")
    return raw


def _strings(at: str, name: str, raw: Any, known: frozenset[str] | None) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(s, str) and s for s in raw):
        raise AlertRulesError(f"{at}: {name}: must be a non-empty list of strings")
    if known is not None:
        unknown = sorted(set(raw) - known)
        if unknown:
            raise AlertRulesError(f"{at}: {name}: unknown {unknown}; known: {_sorted(known)}")
    return tuple(raw)


def _positive(at: str, name: str, raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise AlertRulesError(f"{at}: {name}: must be a whole number of at least 1")
    return raw


def _only(at: str, raw: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise AlertRulesError(f"{at}: unknown keys {unknown}")


def _sorted(names: frozenset[str]) -> list[str]:
    return sorted(names)
