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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from hub.alerts.model import AlertIntent, Recipient

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
        relationship="duty-operator",
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


@dataclass(frozen=True)
class Raised:
    """An alert already stored, as routing needs to know it."""

    alert_id: str
    occurrence_id: str
    slot: str
    rank: int
    superseded: bool = False


def choose(
    intents: Sequence[AlertIntent], raised: Iterable[Raised]
) -> tuple[list[AlertIntent], list[tuple[str, str]]]:
    """The intents to raise, and (old, new) alert id pairs where a better route supersedes.

    Per occurrence and slot an intent is raised only when no standing alert for it has a
    route as good; an unrouted intent only when nothing stands for its occurrence; a routed
    one supersedes the occurrence's unrouted alert. An id already raised is never raised again.
    """
    known: set[str] = set()
    standing: dict[str, list[Raised]] = {}
    for alert in raised:
        known.add(alert.alert_id)
        if not alert.superseded:
            standing.setdefault(alert.occurrence_id, []).append(alert)
    chosen: list[AlertIntent] = []
    superseded: list[tuple[str, str]] = []
    for intent in sorted(intents, key=lambda i: rank(i.recipient.route)):
        alert_id = intent.alert_id
        if alert_id in known:
            continue
        current = standing.setdefault(intent.occurrence_id, [])
        new_rank = rank(intent.recipient.route)
        if intent.recipient.route == UNROUTED:
            if current:  # routed already, or already waiting for a person to route it
                continue
            replaced: list[Raised] = []
        else:
            same = [alert for alert in current if alert.slot == intent.slot]
            if any(alert.rank <= new_rank for alert in same):
                continue
            replaced = same + [alert for alert in current if alert.rank >= UNROUTED_RANK]
        known.add(alert_id)
        for alert in replaced:
            superseded.append((alert.alert_id, alert_id))
            current.remove(alert)
        current.append(Raised(alert_id, intent.occurrence_id, intent.slot, new_rank))
        chosen.append(intent)
    return chosen, superseded
