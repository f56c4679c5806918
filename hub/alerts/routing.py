"""How well an alert is routed, and where it goes when nobody can be found.

A concern must never vanish because its recipient cannot be resolved (I1). An
intent whose recipient kind, and the rule's fallback, both fail is raised all the
same, to the hub's duty operator: the alert is *unrouted*, shown by ``hub alerts
list --unrouted`` with the reason, audited and escalated on its deadline like any
other, until a person routes it or a later record makes a recipient known.

Each alert is raised for a *slot*: the recipient kind the rule asked for (and, for
schools and referrers, which organisation). Routes are ranked; when re-judging
finds a better route for a slot than the alerts already raised (a plan record
arrived after the attendance, naming the lead social worker), a new alert goes to
the better recipient and the earlier one is marked superseded by it. A route no
better than one already used raises nothing, so re-judging never alerts twice.
"""

from __future__ import annotations

from hub.alerts.model import Recipient

UNROUTED = "unrouted"
HUB_DUTY_OPERATOR = "hub-duty-operator"
FALLBACK_PREFIX = "fallback:"

ROUTE_RANKS = {
    "allocated": 0,
    "household": 1,
    "school-authority": 2,
    "home-postcode": 3,
    "default-authority": 4,
}
FALLBACK_PENALTY = 10
UNROUTED_RANK = 100


def rank(route: str) -> int:
    """Lower is better: the child's own professionals first, the hub's duty operator last."""
    if route == UNROUTED:
        return UNROUTED_RANK
    if route.startswith(FALLBACK_PREFIX):
        return FALLBACK_PENALTY + ROUTE_RANKS.get(route[len(FALLBACK_PREFIX) :], 9)
    return ROUTE_RANKS.get(route, 9)


def as_fallback(recipient: Recipient) -> Recipient:
    """``recipient`` found through a rule's fallback kind."""
    return Recipient(
        kind=recipient.kind,
        role=recipient.role,
        organisation=recipient.organisation,
        organisation_type=recipient.organisation_type,
        relationship=recipient.relationship,
        name=recipient.name,
        email=recipient.email,
        escalation_email=recipient.escalation_email,
        route=FALLBACK_PREFIX + recipient.route,
    )


def unrouted(kind: str, operator_email: str | None) -> Recipient:
    """The hub's duty operator, standing in for a recipient of ``kind`` nobody could resolve."""
    return Recipient(
        kind=f"{UNROUTED}:{kind}",
        role="hub-operator",
        organisation="hub",
        organisation_type="hub",
        relationship="none",
        name="Hub duty operator",
        email=operator_email,
        escalation_email=None,
        route=UNROUTED,
    )


def slot(kind: str, recipient: Recipient) -> str:
    """The audience an alert is for: the kind asked for, and for schools and referrers which one."""
    if kind in ("school-dsl", "referrer") and recipient.route != UNROUTED:
        return f"{kind}/{recipient.organisation}"
    return kind
