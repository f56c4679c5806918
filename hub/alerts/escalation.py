"""Who an unacknowledged alert escalates to, and the intent that tells them.

Level 1 goes to the recipient organisation's escalation address (a team or duty
manager); level 2 to the duty team of the child's responsible authority (or of
the original recipient's authority). When neither is known, the hub's duty
operator is told instead, with the reason, so an unacknowledged concern never
goes quiet. Escalation ids derive from the alert and the level, so escalating
again raises nothing twice.
"""

from __future__ import annotations

import uuid
from dataclasses import replace

from hub.access.organisations import OrganisationDirectory
from hub.alerts.deadlines import EscalationLevel, Urgency
from hub.alerts.model import ALERT_NAMESPACE, AlertIntent, Recipient
from hub.alerts.routing import unrouted
from hub.alerts.store import Alert
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry


def escalation_intent(
    alert: Alert,
    child: Child,
    number: int,
    level: EscalationLevel,
    organisations: OrganisationDirectory,
    operator_email: str | None,
) -> AlertIntent | None:
    """The intent escalating ``alert`` to ``level`` (None if its entry was withdrawn)."""
    entry = entry_of(alert, child)
    if entry is None:
        return None
    recipient = escalation_recipient(alert.recipient, child, level, organisations)
    unresolved: tuple[tuple[str, str], ...] = ()
    if recipient is None:
        kind = f"escalation-{level.value}"
        reason = (
            "no escalation address is known for the recipient's organisation"
            if level is EscalationLevel.TEAM_MANAGER
            else "no local authority duty team is known for the child"
        )
        recipient = unrouted(kind, operator_email)
        unresolved = ((kind, reason),)
    return AlertIntent(
        rule_id=alert.rule_id,
        requirements=tuple(alert.requirements),
        child_id=alert.child_id,
        entry=entry,
        recipient=recipient,
        urgency=Urgency.URGENT.value,
        headline=f"Not acknowledged in time (escalation {number}): {alert.headline}",
        occurrence=f"escalation|{alert.alert_id}|{number}",
        slot=f"escalation-{number}",
        unresolved=unresolved,
        fixed_id=str(uuid.uuid5(ALERT_NAMESPACE, f"escalation|{alert.alert_id}|{number}")),
    )


def escalation_recipient(
    original: Recipient, child: Child, level: EscalationLevel, organisations: OrganisationDirectory
) -> Recipient | None:
    """The manager (level 1) or the authority's duty team (level 2), if known."""
    if level is EscalationLevel.TEAM_MANAGER:
        if not original.escalation_email:
            return None
        return replace(
            original,
            kind=f"{original.kind}-manager",
            name=None,
            email=original.escalation_email,
            escalation_email=None,
        )
    authority = (child.responsible_authority or {}).get("code") or original.organisation
    organisation = organisations.get(authority)
    if organisation is None or organisation.type != "local-authority":
        return None
    responsible = (child.responsible_authority or {}).get("code") == authority
    return Recipient(
        kind="duty-team",
        role="social-worker",
        organisation=authority,
        organisation_type="local-authority",
        relationship="responsible-authority" if responsible else "front-door",
        name=None,
        email=organisation.email or None,
        escalation_email=None,
    )


def entry_of(alert: Alert, child: Child) -> ChronologyEntry | None:
    """The chronology entry ``alert`` is about, if the child still holds it.

    An entry its source superseded with a correction (a corrected arrival, a new
    discharge) is followed to the entry that replaced it, so the alert keeps escalating;
    one withdrawn (cancelled, or its identifier unlinked) is not.
    """
    event_id = alert.decision.get("event_id")
    seen: set[object] = set()
    while event_id not in seen:
        seen.add(event_id)
        found = next((e for e in child.entries if e.event_id == event_id), None)
        if found is not None:
            return found
        event_id = next(
            (
                e.details.get("superseded_by")
                for e in child.withdrawn_entries
                if e.event_id == event_id and "superseded_by" in e.details
            ),
            None,
        )
    return None
