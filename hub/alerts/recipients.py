"""Resolve a rule's recipient kinds to ``Recipient``s for one child.

Kinds: lead-social-worker, duty-team, front-door, registered-gp, health-visitor,
school-dsl and referrer. Contacts come from the child's record (who is involved,
and whose roll the child is on: ``Child.schools_on_roll``),
the organisation directory (secure mailboxes and escalation addresses) and the
school directory (the designated safeguarding lead). A kind that cannot be resolved
(no school known, no GP, no social worker allocated) gives ``None``; the rule's
fallback, if any, is then tried by ``hub.alerts.evaluate``, and when that fails too
the alert is raised unrouted (``hub.alerts.routing``), never dropped.

A front door or duty team is found from the child's responsible authority (plan or
looked-after status), else another child of the same household, else the child's
school's authority, else the home postcode (``hub.alerts.postcode_areas``), else the
deployment's default authority. Each recipient says in ``route`` which of these it
came from, so a later, better route can take over (``hub.alerts.routing``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

from hub.alerts.model import Recipient
from hub.domain.child import Child

if TYPE_CHECKING:
    from hub.alerts.evaluate import AlertContext

# Role in the policy's vocabulary of a referring organisation, by organisation type.
REFERRER_ROLES = {
    "unscheduled-care": "unscheduled-care-clinician",
    "police": "police-officer",
    "school": "school-dsl",
}
# Organisation type to assume for a referrer missing from the directory, by source agency.
AGENCY_TYPES = {"EMERGENCY_CARE": "unscheduled-care", "POLICE": "police", "SCHOOL": "school"}


def _or_none(value: str | None) -> str | None:
    return value or None


def _responsible_code(child: Child) -> str | None:
    authority = child.responsible_authority or {}
    return authority.get("code") or None


def _lead_social_worker(child: Child, context: AlertContext) -> Recipient | None:
    worker = child.professionals.get("lead_social_worker") or {}
    code = worker.get("authority") or _responsible_code(child)
    if not (worker.get("email") or worker.get("name")) or not code:
        return None
    authority = context.organisations.get(code)
    return Recipient(
        kind="lead-social-worker",
        role="social-worker",
        organisation=code,
        organisation_type="local-authority",
        relationship="lead-social-worker",
        name=_or_none(worker.get("name")),
        email=_or_none(worker.get("email")),
        escalation_email=_or_none(authority.escalation_email) if authority else None,
    )


def _school_la(child: Child, context: AlertContext) -> str | None:
    urn = child.current_school
    school = context.school(urn) if urn else None
    return (school.details.get("la_code") or None) if school else None


def _household_la(child: Child, context: AlertContext) -> str | None:
    """The responsible authority of another child of the same household (lowest id first)."""
    codes = sorted(
        (str(sibling.id), code)
        for sibling in context.siblings(child)
        if (code := _responsible_code(sibling))
    )
    return codes[0][1] if codes else None


def _home_la(child: Child, context: AlertContext) -> str | None:
    areas = context.postcode_areas
    return areas.authority(child.details.get("postcode")) if areas is not None else None


# Where the responsible local authority comes from, best first (ROUTES says how good each is).
_AUTHORITY_SOURCES: tuple[tuple[str, Callable[[Child, AlertContext], str | None]], ...] = (
    ("responsible-authority", lambda child, _: _responsible_code(child)),
    ("household", _household_la),
    ("school-authority", _school_la),
    ("home-postcode", _home_la),
    ("default-authority", lambda _, context: context.default_authority),
)


def responsible_la(child: Child, context: AlertContext) -> tuple[str, str] | None:
    """(authority code, where it came from) for ``child``, or None when nothing says."""
    for route, source in _AUTHORITY_SOURCES:
        code = source(child, context)
        if code:
            return code, route
    return None


def _authority(kind: str, child: Child, context: AlertContext) -> Recipient | None:
    """The children's social care front door (or duty team) of the child's authority."""
    found = responsible_la(child, context)
    if found is None:
        return None
    code, route = found
    relationship = "front-door"
    if kind == "duty-team" and route == "responsible-authority":
        relationship = "responsible-authority"
    authority = context.organisations.get(code)
    return Recipient(
        kind=kind,
        role="social-worker",
        organisation=code,
        organisation_type="local-authority",
        relationship=relationship,
        name=authority.name if authority else None,
        email=_or_none(authority.email) if authority else None,
        escalation_email=_or_none(authority.escalation_email) if authority else None,
        route="allocated" if route == "responsible-authority" else route,
    )


def _registered_gp(child: Child, context: AlertContext) -> Recipient | None:
    practice = child.professionals.get("gp_practice") or {}
    code = practice.get("code")
    if not code:
        return None
    known = context.organisations.get(code)
    return Recipient(
        kind="registered-gp",
        role="gp",
        organisation=code,
        organisation_type="gp-practice",
        relationship="registered-gp",
        name=(known.name if known else None) or _or_none(practice.get("name")),
        email=_or_none(known.email) if known else None,
        escalation_email=_or_none(known.escalation_email) if known else None,
    )


def _health_visitor(child: Child, context: AlertContext) -> Recipient | None:
    """Only when a health visitor is on the child's record (no feed sends one yet)."""
    visitor = child.professionals.get("health_visitor") or {}
    code = visitor.get("organisation") or visitor.get("code")
    if not code or not (visitor.get("email") or visitor.get("name")):
        return None
    known = context.organisations.get(code)
    return Recipient(
        kind="health-visitor",
        role="health-visitor",
        organisation=code,
        organisation_type=known.type if known else "health-visiting",
        relationship="health-visitor",
        name=_or_none(visitor.get("name")),
        email=_or_none(visitor.get("email")),
        escalation_email=_or_none(known.escalation_email) if known else None,
    )


def _school_dsl(child: Child, context: AlertContext) -> Recipient | None:
    urn = child.current_school
    return _dsl(urn, context) if urn else None


def school_dsls(child: Child, context: AlertContext, first: date, last: date) -> list[Recipient]:
    """The DSL of every school whose roll the child is on at any day from ``first`` to ``last``.

    A child on two rolls (dual registration, or a move on the next school day) gets
    both schools told; a school the child left before ``first`` is not.
    """
    return [_dsl(urn, context) for urn in child.schools_on_roll(first, last)]


def _dsl(urn: str, context: AlertContext) -> Recipient:
    school = context.school(urn)
    lead = school.safeguarding_lead if school else {}
    known = context.organisations.get(urn)
    return Recipient(
        kind="school-dsl",
        role="school-dsl",
        organisation=urn,
        organisation_type="school",
        relationship="childs-school",
        name=_or_none(lead.get("name")),
        email=_or_none(lead.get("email")) or (_or_none(known.email) if known else None),
        escalation_email=_or_none(known.escalation_email) if known else None,
    )


_RESOLVERS: dict[str, Callable[[Child, AlertContext], Recipient | None]] = {
    "lead-social-worker": _lead_social_worker,
    "duty-team": lambda child, context: _authority("duty-team", child, context),
    "front-door": lambda child, context: _authority("front-door", child, context),
    "registered-gp": _registered_gp,
    "health-visitor": _health_visitor,
    "school-dsl": _school_dsl,
}


def resolve(kind: str, child: Child, context: AlertContext) -> Recipient | None:
    """The recipient of ``kind`` for ``child``, or ``None`` if none is known."""
    resolver = _RESOLVERS.get(kind)
    return resolver(child, context) if resolver else None


UNRESOLVED_REASONS = {
    "lead-social-worker": "no lead social worker is allocated on the child's record",
    "duty-team": "no local authority is known for the child (no plan, household, school, "
    "home postcode in the reference table, or default authority)",
    "front-door": "no local authority is known for the child (no plan, household, school, "
    "home postcode in the reference table, or default authority)",
    "registered-gp": "no registered GP practice is known for the child",
    "health-visitor": "no health visitor is recorded for the child",
    "school-dsl": "the child is on no known school's roll from the day it happened to the "
    "next school day",
    "referrer": "the referring organisation is not known",
}


def unresolved_reason(kind: str) -> str:
    return UNRESOLVED_REASONS.get(kind, f"no recipient of kind {kind} is known")


def resolve_referrer(code: str, agency: str, context: AlertContext) -> Recipient | None:
    """The organisation ``code`` that sent a referral, in the role its type implies."""
    known = context.organisations.get(code)
    organisation_type = known.type if known else AGENCY_TYPES.get(agency)
    role = REFERRER_ROLES.get(organisation_type or "")
    if not code or organisation_type is None or role is None:
        return None
    return Recipient(
        kind="referrer",
        role=role,
        organisation=code,
        organisation_type=organisation_type,
        relationship="referrer",
        name=known.name if known else None,
        email=_or_none(known.email) if known else None,
        escalation_email=_or_none(known.escalation_email) if known else None,
    )
