"""Shape an alert intent through the policy into the alert the store keeps and delivers.

The policy decides, for the intent's recipient, how much of the entry the alert may
carry (``hub.policy.engine``); the decision's record goes with the alert to the
audit log. Deadlines run from when the alert is raised (the later of the agency's
record time and the raiser's clock), so a record that reached the hub late still
gets the whole acknowledgement window; how late it was is kept in the routing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from hub.alerts.deadlines import Urgency, WorkingCalendar, ack_deadline
from hub.alerts.model import AlertIntent
from hub.alerts.routing import UNROUTED, rank
from hub.alerts.store import RAISED, REFUSED, Alert
from hub.application.disclosure import contact_for, disclosure_record
from hub.domain.child import Child
from hub.domain.chronology import instant
from hub.policy import engine
from hub.policy.model import Policy


class AlertShaper:
    """Turns intents into alerts under one policy, working calendar and clock."""

    def __init__(
        self, policy: Policy, calendar: WorkingCalendar, clock: Callable[[], datetime]
    ) -> None:
        self._policy = policy
        self._calendar = calendar
        self._clock = clock

    def shape(
        self, intent: AlertIntent, child: Child, level: int = 0, escalates: str | None = None
    ) -> Alert:
        """The alert as the policy lets ``intent.recipient`` have it."""
        target = intent.recipient
        recipient = engine.Recipient(
            id=target.email or target.key,
            role=target.role,
            organisation=target.organisation,
            organisation_type=target.organisation_type,
            relationship=target.relationship,
        )
        purpose = "referral-feedback" if target.kind == "referrer" else "safeguarding"
        if target.route == UNROUTED:
            purpose = "routing"  # the hub's duty operator, to find who must be told
        facts = engine.entry_facts(intent.entry, child.on_plan, child.looked_after)
        decision = engine.decide(self._policy, recipient, purpose, intent.entry, facts)
        content = engine.render(intent.entry, decision)
        if content is not None and decision.needs_contact:
            content["contact"] = contact_for(child)
        record = disclosure_record(
            self._policy,
            recipient,
            purpose,
            child.id,
            intent.entry.event_id,
            intent.entry.kind,
            list(intent.entry.labels),
            decision,
        )
        source_recorded = instant(intent.entry.recorded_at or intent.entry.occurred_at)
        raised_at = max(source_recorded, self._clock())
        deadline = ack_deadline(Urgency(intent.urgency), raised_at, self._calendar)
        if intent.deliver_by is not None:
            deadline = max(deadline, intent.deliver_by)
        return Alert(
            alert_id=intent.alert_id,
            rule_id=intent.rule_id,
            requirements=list(intent.requirements),
            child_id=str(child.id),
            nhs_number=child.nhs_number,
            recipient=target,
            urgency=intent.urgency,
            headline=intent.headline,
            content=content,
            decision=record,
            raised_at=raised_at.isoformat(),
            deliver_by=intent.deliver_by.isoformat() if intent.deliver_by else None,
            ack_deadline=deadline.astimezone(UTC).isoformat(),  # UTC: compared as text
            escalation_level=level,
            escalates=escalates,
            state=RAISED if content is not None else REFUSED,
            occurrence_id=intent.occurrence_id,
            slot=intent.slot,
            route_rank=rank(target.route),
            routing={
                "route": target.route,
                "slot": intent.slot,
                "occurrence": intent.occurrence_key,
                "unresolved": [{"kind": k, "reason": r} for k, r in intent.unresolved],
                "source_recorded_at": source_recorded.isoformat(),
                "source_lateness_seconds": int((raised_at - source_recorded).total_seconds()),
            },
        )


def audit_payload(alert: Alert) -> dict[str, Any]:
    """What the audit log keeps of an alert: the policy's decision record and the alert."""
    return {
        **alert.decision,
        "alert_id": alert.alert_id,
        "rule_id": alert.rule_id,
        "requirements": alert.requirements,
        "alert_recipient": asdict(alert.recipient),
        "urgency": alert.urgency,
        "headline": alert.headline,
        "raised_at": alert.raised_at,
        "deliver_by": alert.deliver_by,
        "ack_deadline": alert.ack_deadline,
        "escalation_level": alert.escalation_level,
        "escalates": alert.escalates,
        "routing": alert.routing,
    }
