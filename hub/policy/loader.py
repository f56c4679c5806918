"""Loading and checking the policy file: malformed or contradictory policies fail at start-up."""

from __future__ import annotations

import itertools
import tomllib
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from hub.config import DEFAULT_POLICY_FILE
from hub.domain.errors import HubError
from hub.policy.model import (
    FACT_FIELDS,
    PURPOSES,
    REDACTABLE_FIELDS,
    RELATIONSHIPS,
    RISK_LEVELS,
    ROLES,
    BreakGlassTerms,
    CallerTerms,
    CallTerms,
    Disclosure,
    Label,
    Policy,
    Rule,
)

DEFAULT_POLICY = DEFAULT_POLICY_FILE


class PolicyError(HubError):
    """The policy file cannot be used; the message says where and why."""


def load_policy(path: Path | None = None) -> Policy:
    """Load and check the policy at ``path`` (default: the shipped policy)."""
    path = path or DEFAULT_POLICY
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise PolicyError(f"{path}: {error}") from None
    return parse_policy(data, str(path))


def parse_policy(data: dict[str, Any], source: str = "policy") -> Policy:
    version = data.get("version")
    if not isinstance(version, str) or not version:
        raise PolicyError(f"{source}: 'version' is required (a non-empty string)")
    bases = data.get("lawful_bases")
    if not isinstance(bases, dict) or not bases:
        raise PolicyError(f"{source}: [lawful_bases] is required")
    raw_labels = data.get("labels") or {}
    if not isinstance(raw_labels, dict):
        raise PolicyError(f"{source}: [labels] must be a table of labels")
    labels = {
        name: _label(f"{source}: labels.{name}", name, spec) for name, spec in raw_labels.items()
    }
    rules = tuple(
        _rule(f"{source}: rules[{i}]", raw, bases) for i, raw in enumerate(data.get("rules") or [])
    )
    ids = [rule.id for rule in rules]
    duplicates = sorted({rule_id for rule_id in ids if ids.count(rule_id) > 1})
    if duplicates:
        raise PolicyError(f"{source}: duplicate rule ids: {', '.join(duplicates)}")
    for rule in rules:
        unknown = rule.overrides - set(ids)
        if unknown:
            raise PolicyError(
                f"{source}: rule {rule.id} overrides unknown rules: {sorted(unknown)}"
            )
    _check_contradictions(source, rules)
    return Policy(
        version=version,
        lawful_bases=dict(bases),
        labels=labels,
        rules=rules,
        break_glass=_break_glass(source, data.get("break_glass"), bases),
        calls={
            name: _call(f"{source}: calls.{name}", name, raw)
            for name, raw in (data.get("calls") or {}).items()
        },
    )


WHOLE_ENTRY = "entry"


def _label(where: str, name: str, raw: Any) -> Label:
    """A label says who may see what it protects and, explicitly, what that is."""
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table")
    unknown = sorted(set(raw) - {"allowed_roles", "withholds"})
    if unknown:
        raise PolicyError(f"{where}: unknown keys {unknown}")
    roles = frozenset(_names(f"{where}.allowed_roles", raw.get("allowed_roles"), ROLES))
    withholds = raw.get("withholds")
    if withholds == WHOLE_ENTRY:
        return Label(name, roles, withholds_entry=True)
    if not isinstance(withholds, list) or not withholds:
        raise PolicyError(
            f"{where}.withholds: required: {WHOLE_ENTRY!r} (the entry itself is sensitive) or "
            "a non-empty list of the fields it withholds"
        )
    fields = _names(f"{where}.withholds", withholds, REDACTABLE_FIELDS | FACT_FIELDS)
    fact = sorted(set(fields) & FACT_FIELDS)
    if fact:
        raise PolicyError(
            f"{where}.withholds: {fact} are the fact of a concern, which a field label never "
            f"withholds (I1, I4); if the concern itself is sensitive, withhold {WHOLE_ENTRY!r}"
        )
    if len(set(fields)) != len(fields):
        raise PolicyError(f"{where}.withholds: names a field twice")
    return Label(name, roles, withholds_entry=False, fields=frozenset(fields))


def _call(where: str, name: str, raw: Any) -> CallTerms:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table")
    unknown = sorted(set(raw) - {"description", "callers"})
    if unknown:
        raise PolicyError(f"{where}: unknown keys {unknown}")
    callers = raw.get("callers")
    if not isinstance(callers, dict) or not callers:
        raise PolicyError(f"{where}: [callers] must name at least one role")
    terms: dict[str, CallerTerms] = {}
    for role, spec in callers.items():
        at = f"{where}.callers.{role}"
        if role not in ROLES:
            raise PolicyError(f"{at}: unknown role; known: {sorted(ROLES)}")
        if not isinstance(spec, dict):
            raise PolicyError(f"{at}: must be a table")
        extra = sorted(set(spec) - {"organisation_types", "purposes", "notify_access"})
        if extra:
            raise PolicyError(f"{at}: unknown keys {extra}")
        org_types = spec.get("organisation_types")
        if (
            not isinstance(org_types, list)
            or not org_types
            or not all(isinstance(t, str) and t for t in org_types)
        ):
            raise PolicyError(f"{at}: organisation_types must be a non-empty list")
        notify = spec.get("notify_access", False)
        if not isinstance(notify, bool):
            raise PolicyError(f"{at}: notify_access must be true or false")
        terms[role] = CallerTerms(
            role=role,
            organisation_types=frozenset(org_types),
            purposes=frozenset(_names(f"{at}: purposes", spec.get("purposes"), PURPOSES)),
            notify_access=notify,
        )
    return CallTerms(name=name, description=str(raw.get("description", "")), callers=terms)


def _break_glass(source: str, raw: Any, bases: dict[str, str]) -> BreakGlassTerms | None:
    if raw is None:
        return None
    where = f"{source}: [break_glass]"
    minutes = raw.get("minutes")
    if not isinstance(minutes, int) or not 1 <= minutes <= 24 * 60:
        raise PolicyError(f"{where}: minutes must be a whole number from 1 to 1440")
    if raw.get("lawful_basis") not in bases:
        raise PolicyError(f"{where}: lawful_basis must be one of [lawful_bases]")
    codes = raw.get("reason_codes")
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        raise PolicyError(f"{where}: reason_codes must be a non-empty list of codes")
    return BreakGlassTerms(
        allowed_roles=frozenset(_names(f"{where} allowed_roles", raw.get("allowed_roles"), ROLES)),
        minutes=minutes,
        lawful_basis=raw["lawful_basis"],
        reason_codes=frozenset(codes),
    )


def _rule(where: str, raw: dict[str, Any], bases: dict[str, str]) -> Rule:
    rule_id = raw.get("id")
    if not isinstance(rule_id, str) or not rule_id:
        raise PolicyError(f"{where}: 'id' is required")
    where = f"{where} ({rule_id})"
    basis = raw.get("lawful_basis")
    if basis not in bases:
        raise PolicyError(f"{where}: lawful_basis {basis!r} is not one of [lawful_bases]")
    try:
        disclose = Disclosure(raw.get("disclose"))
    except ValueError:
        choices = ", ".join(d.value for d in Disclosure)
        raise PolicyError(f"{where}: disclose must be one of {choices}") from None
    kinds = raw.get("kinds")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise PolicyError(f"{where}: 'kinds' must be a non-empty list of entry kinds or patterns")
    risk = raw.get("risk_levels")
    on_plan = raw.get("on_plan")
    looked_after = raw.get("looked_after")
    for name, flag in (("on_plan", on_plan), ("looked_after", looked_after)):
        if flag is not None and not isinstance(flag, bool):
            raise PolicyError(f"{where}: {name} must be true or false")
    org_types = raw.get("organisation_types")
    if org_types is not None and (
        not isinstance(org_types, list)
        or not org_types
        or not all(isinstance(t, str) for t in org_types)
    ):
        raise PolicyError(f"{where}: organisation_types must be a non-empty list")
    known = {
        "id",
        "description",
        "roles",
        "relationships",
        "purposes",
        "kinds",
        "lawful_basis",
        "disclose",
        "risk_levels",
        "on_plan",
        "looked_after",
        "organisation_types",
        "overrides",
        "labels",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise PolicyError(f"{where}: unknown keys {unknown}")
    labels = raw.get("labels")
    if labels is not None and (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(label, str) and label for label in labels)
    ):
        raise PolicyError(f"{where}: labels must be a non-empty list of sensitivity labels")
    return Rule(
        id=rule_id,
        description=str(raw.get("description", "")),
        roles=frozenset(_names(f"{where}: roles", raw.get("roles"), ROLES)),
        relationships=frozenset(
            _names(f"{where}: relationships", raw.get("relationships"), RELATIONSHIPS)
        ),
        purposes=frozenset(_names(f"{where}: purposes", raw.get("purposes"), PURPOSES)),
        kinds=tuple(kinds),
        lawful_basis=basis,
        disclose=disclose,
        risk_levels=None
        if risk is None
        else frozenset(_names(f"{where}: risk_levels", risk, RISK_LEVELS)),
        on_plan=on_plan,
        looked_after=looked_after,
        organisation_types=None if org_types is None else frozenset(org_types),
        overrides=frozenset(raw.get("overrides") or ()),
        labels=None if labels is None else frozenset(labels),
    )


def _names(where: str, value: Any, vocabulary: frozenset[str]) -> list[str]:
    if not isinstance(value, list) or not value:
        raise PolicyError(f"{where}: must be a non-empty list")
    unknown = sorted(str(v) for v in value if v not in vocabulary)
    if unknown:
        raise PolicyError(f"{where}: unknown {unknown}; known: {sorted(vocabulary)}")
    return [str(v) for v in value]


def _check_contradictions(source: str, rules: tuple[Rule, ...]) -> None:
    """Two rules that can match one request must agree, unless one overrides the other."""
    for first, second in itertools.combinations(rules, 2):
        if first.disclose == second.disclose and first.lawful_basis == second.lawful_basis:
            continue
        if first.id in second.overrides or second.id in first.overrides:
            continue
        if _can_overlap(first, second):
            raise PolicyError(
                f"{source}: rules {first.id} and {second.id} contradict: both can match the same "
                f"request but disclose {first.disclose.value}/{first.lawful_basis} vs "
                f"{second.disclose.value}/{second.lawful_basis}; narrow one or add 'overrides'"
            )


def _can_overlap(first: Rule, second: Rule) -> bool:
    if not (first.roles & second.roles and first.relationships & second.relationships):
        return False
    if not first.purposes & second.purposes:
        return False
    both_risks = first.risk_levels is not None and second.risk_levels is not None
    if both_risks and not (first.risk_levels or set()) & (second.risk_levels or set()):
        return False
    for name in ("on_plan", "looked_after"):
        mine, theirs = getattr(first, name), getattr(second, name)
        if mine is not None and theirs is not None and mine != theirs:
            return False
    if first.labels is not None and second.labels is not None and not first.labels & second.labels:
        return False
    both_types = first.organisation_types is not None and second.organisation_types is not None
    if both_types and not (first.organisation_types or set()) & (
        second.organisation_types or set()
    ):
        return False
    return any(
        fnmatchcase(a, b) or fnmatchcase(b, a) or a == b for a in first.kinds for b in second.kinds
    )
