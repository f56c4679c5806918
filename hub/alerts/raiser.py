"""Raising alerts: rules applied to the chronology as it is written, shaped by the policy.

Each alert is shaped through the policy for its recipient, stored, audited and,
when nobody acknowledges it in time, escalated.

The raiser reads the event store's notification log (``Child.EntryRecorded``
events, in commit order) from its stored position, rebuilds the child as it
was at that event, and evaluates the alert rules. Alerts and the new position
are stored in one transaction; ids are derived from the rule, child, entry and
recipient, so a replay or a restart raises nothing twice. Auditing follows
with an idempotency key per alert, so a crash between the two steps is redone,
never doubled. Time for deadlines and escalation is event time, from a clock
that tests can move.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from consumers.deadlines import (
    AlertState,
    EscalationLevel,
    Urgency,
    WorkingCalendar,
    ack_deadline,
    due_escalations,
)
from hub.alerts.evaluate import AlertContext, evaluate
from hub.alerts.model import ALERT_NAMESPACE, AlertIntent, Recipient
from hub.alerts.rules import AlertRules, may_fire
from hub.alerts.store import ACKNOWLEDGED, RAISED, REFUSED, Alert, AlertStore
from hub.application.disclosure import contact_for, disclosure_record
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import ChildNotFoundError
from hub.lookup.organisations import OrganisationDirectory
from hub.policy import engine
from hub.policy.model import Disclosure, Policy

ENTRY_TOPIC = f"{Child.__module__}:{Child.__qualname__}.EntryRecorded"
PROFESSIONAL_TOPIC = f"{Child.__module__}:{Child.__qualname__}.ProfessionalRecorded"
# A child's school is often learned after a police notification about the home (absence
# marks are the hub's only source of school membership): notifications this recent are
# then sent to the newly known school (Operation Encompass, P4).
LATE_SCHOOL_WINDOW = timedelta(days=28)
DEFAULT_MAX_AGE = timedelta(days=7)
POSITION = "hub-notifications"
ACCESS_POSITION = "audit-access-to-service"
WATERMARK = "event-time-watermark"  # latest recorded_at seen, in epoch seconds
ACCESS_KIND = "unscheduled-care-lookup"


def _instant(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class AlertRaiser:
    def __init__(
        self,
        app: HubApplication,
        store: AlertStore,
        audit: AuditLog,
        policy: Policy,
        rules: AlertRules,
        context: AlertContext,
        organisations: OrganisationDirectory,
        calendar: WorkingCalendar | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_age: timedelta = DEFAULT_MAX_AGE,
    ) -> None:
        self._app = app
        self._store = store
        self._audit = audit
        self._policy = policy
        self._rules = rules
        self._context = context
        self._organisations = organisations
        self._calendar = calendar or WorkingCalendar()
        self._clock = clock
        self._max_age = max_age
        self.last_page_size = 0

    # Raising ----------------------------------------------------------------------------

    def raise_pending(self, limit: int = 100) -> int:
        """Evaluate the chronology entries recorded since the last call; returns alerts added.

        An entry the hub stored more than ``max_age`` after the agency recorded it is
        history (a baseline load, a backfill): it joins the chronology without alerting.
        """
        start = self._store.position(POSITION) + 1
        page = self._app.recorder.select_notifications(
            start=start, limit=limit, topics=[ENTRY_TOPIC, PROFESSIONAL_TOPIC]
        )
        self.last_page_size = len(page)
        if not page:
            self.audit_pending()
            return 0
        alerts: list[Alert] = []
        watermark = self._store.position(WATERMARK)
        for notification in page:
            originator = notification.originator_id
            child_id = originator if isinstance(originator, UUID) else UUID(str(originator))
            event: Any = self._app.mapper.to_domain_event(notification)
            if notification.topic == PROFESSIONAL_TOPIC:
                if event.role == "school":
                    child = self._child_at(child_id, notification.originator_version)
                    alerts += self._late_school_alerts(child, event.timestamp)
                continue
            entry = ChronologyEntry.from_dict(event.entry)
            recorded = _instant(entry.recorded_at or entry.occurred_at)
            watermark = max(watermark, int(recorded.timestamp()))
            if event.timestamp - recorded > self._max_age or not may_fire(self._rules, entry):
                continue  # history, or nothing any rule could raise: no need to load the child
            child = self._child_at(child_id, notification.originator_version)
            for intent in evaluate(self._rules, child, entry, self._context):
                alerts.append(self._shape(intent, child))
        added = self._store.add(alerts, (POSITION, page[-1].id), (WATERMARK, watermark))
        self.audit_pending()
        return added

    def _child_at(self, child_id: UUID, version: int) -> Child:
        child: Child = self._app.repository.get(child_id, version=version)
        return child

    def _late_school_alerts(self, child: Child, learned_at: datetime) -> list[Alert]:
        """School notifications for recent police notifications, now the school is known.

        Alert ids do not depend on when they are evaluated, so a notification the school
        was already sent is not sent again.
        """
        alerts = []
        for entry in child.chronology():
            if entry.kind != "domestic-abuse-notification":
                continue
            if learned_at - _instant(entry.recorded_at or entry.occurred_at) > LATE_SCHOOL_WINDOW:
                continue
            for intent in evaluate(self._rules, child, entry, self._context):
                if intent.recipient.kind == "school-dsl":
                    alerts.append(self._shape(intent, child))
        return alerts

    def raise_access_notifications(self, limit: int = 500) -> int:
        """Turn the lookup service's ``access-to-service`` audit records into alerts (A1).

        They go through the same rules as chronology entries.
        """
        after = self._store.position(ACCESS_POSITION)
        records = self._audit.records("access-to-service", after=after)[:limit]
        if not records:
            return 0
        alerts: list[Alert] = []
        for record in records:
            notice = record.payload
            try:
                child = self._app.get_child(UUID(notice["child_id"]))
            except ChildNotFoundError:
                continue
            entry = ChronologyEntry.from_hub(
                f"lookup/{notice['lookup_id']}",
                ACCESS_KIND,
                notice["accessed_at"],
                summary=(
                    f"Looked up by {notice['accessing_organisation_name']} "
                    f"({notice['accessing_role']}) through the hub's lookup service"
                ),
                source_organisation=notice["accessing_organisation"],
                source_reference=notice["lookup_id"],
            )
            for intent in evaluate(self._rules, child, entry, self._context):
                alerts.append(self._shape(intent, child))
        added = self._store.add(alerts, (ACCESS_POSITION, records[-1].seq))
        self.audit_pending()
        return added

    def _shape(
        self,
        intent: AlertIntent,
        child: Child,
        alert_id: str | None = None,
        level: int = 0,
        escalates: str | None = None,
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
        facts = engine.entry_facts(intent.entry, child.on_plan, child.looked_after)
        decision = engine.decide(self._policy, recipient, purpose, intent.entry, facts)
        content = engine.render(intent.entry, decision)
        if content is not None and decision.disclose is Disclosure.FACT_ONLY:
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
        raised_at = _instant(intent.entry.recorded_at or intent.entry.occurred_at)
        deadline = ack_deadline(Urgency(intent.urgency), raised_at, self._calendar)
        if intent.deliver_by is not None:
            deadline = max(deadline, intent.deliver_by)
        return Alert(
            alert_id=alert_id or intent.alert_id,
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
        )

    # Auditing ---------------------------------------------------------------------------

    def audit_pending(self) -> int:
        """Audit every stored alert not yet audited (idempotent per alert id)."""
        total = 0
        while pending := self._store.unaudited():
            items = []
            for alert in pending:
                kind = "alert-refused" if alert.state == REFUSED else "alert-raised"
                if alert.escalation_level:
                    kind = "alert-escalated"
                items.append((kind, _audit_payload(alert)))
            self._audit.append_batch(items, keys=[f"alert:{a.alert_id}" for a in pending])
            self._store.mark("audited", [a.alert_id for a in pending])
            total += len(pending)
        return total

    # Acknowledgement --------------------------------------------------------------------

    def acknowledge(self, alert_id: str, by: str) -> Alert:
        """Record an acknowledgement (once; repeating it changes nothing) and audit it."""
        alert = self._store.get(alert_id)
        if alert is None:
            raise KeyError(alert_id)
        if alert.state == ACKNOWLEDGED:
            return alert
        at = self._clock().isoformat()
        acknowledged = self._store.acknowledge(alert_id, by, at) or alert
        self._audit.append_batch(
            [
                (
                    "alert-acknowledged",
                    {
                        "alert_id": alert_id,
                        "child_id": alert.child_id,
                        "rule_id": alert.rule_id,
                        "acknowledged_by": by,
                        "acknowledged_at": acknowledged.acknowledged_at,
                    },
                )
            ],
            keys=[f"ack:{alert_id}"],
        )
        return acknowledged

    # Escalation -------------------------------------------------------------------------

    def escalate_due(self) -> list[Alert]:
        """Escalate unacknowledged alerts whose deadlines have passed (by the clock)."""
        now = self._clock()
        raised: list[Alert] = []
        for alert in self._store.open_alerts(due_by=now.astimezone(UTC).isoformat()):
            state = AlertState(
                alert.alert_id,
                Urgency(alert.urgency),
                _instant(alert.raised_at),
                None,
                frozenset(
                    level
                    for number, level in enumerate(EscalationLevel, start=1)
                    if alert.escalated_to_level >= number
                ),
            )
            for step in due_escalations(state, now, self._calendar):
                number = list(EscalationLevel).index(step.level) + 1
                escalation = self._escalation(alert, number, step.level)
                if escalation is not None:
                    raised.append(escalation)
                self._store.set_escalated(
                    alert.alert_id, number, [escalation] if escalation else []
                )
        self.audit_pending()
        return raised

    def _escalation(self, alert: Alert, number: int, level: EscalationLevel) -> Alert | None:
        child = self._app.get_child(UUID(alert.child_id))
        recipient = self._escalation_recipient(alert.recipient, child, level)
        if recipient is None:
            return None
        entry = _entry_of(alert, child)
        if entry is None:
            return None
        intent = AlertIntent(
            rule_id=alert.rule_id,
            requirements=tuple(alert.requirements),
            child_id=alert.child_id,
            entry=entry,
            recipient=recipient,
            urgency=Urgency.URGENT.value,
            headline=f"Not acknowledged in time (escalation {number}): {alert.headline}",
        )
        alert_id = str(uuid.uuid5(ALERT_NAMESPACE, f"escalation|{alert.alert_id}|{number}"))
        return self._shape(intent, child, alert_id, number, alert.alert_id)

    def _escalation_recipient(
        self, original: Recipient, child: Child, level: EscalationLevel
    ) -> Recipient | None:
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
        organisation = self._organisations.get(authority)
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


def _entry_of(alert: Alert, child: Child) -> ChronologyEntry | None:
    event_id = alert.decision.get("event_id")
    return next((e for e in child.entries if e.event_id == event_id), None)


def _audit_payload(alert: Alert) -> dict[str, Any]:
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
    }
