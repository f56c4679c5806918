"""Raising alerts: rules applied to the chronology as it is written, shaped by the policy.

Each alert is shaped through the policy for its recipient, stored, audited and,
when nobody acknowledges it in time, escalated.

The raiser reads the event store's notification log (``Child.EntryRecorded``,
``ProfessionalRecorded``, ``RollRecorded`` and ``AttendanceNoted`` events, in
commit order) from its stored position.
Every child a page touches is loaded once, as it is now, and each of its recent
entries (recorded within ``max_age``) that a rule could fire on is judged again,
on event time (``hub.alerts.evaluate``); a signal that can complete a sibling's
cumulative rule re-judges the siblings too. So a record that arrives late (a plan
after the attendances it covers, an earlier attendance after a later police
notification) raises what time order would have raised. Among the alerts for one
occurrence and audience only a better route than those already raised is added
(``hub.alerts.routing``), so re-judging raises nothing twice. Alerts and the new
position are stored in one transaction; auditing follows with an idempotency key
per alert, so a crash between the two steps is redone, never doubled.

Each alert is shaped by the policy for its recipient (``hub.alerts.shaping``),
with deadlines from when it is raised, escalations included
(``hub.alerts.escalation``), so an escalation's deadline is never in its own past.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from hub.access.organisations import OrganisationDirectory
from hub.alerts.deadlines import (
    AlertState,
    EscalationLevel,
    Urgency,
    WorkingCalendar,
    due_escalations,
)
from hub.alerts.escalation import escalation_intent
from hub.alerts.evaluate import AlertContext, evaluate
from hub.alerts.model import AlertIntent
from hub.alerts.routing import Raised, choose
from hub.alerts.rules import AlertRules, CumulativeConcernTrigger, may_fire
from hub.alerts.shaping import AlertShaper, audit_payload
from hub.alerts.status_at import StatusHistory
from hub.alerts.store import ACKNOWLEDGED, REFUSED, Alert, AlertStore
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry, instant
from hub.domain.errors import ChildNotFoundError
from hub.policy.model import Policy

ENTRY_TOPIC = f"{Child.__module__}:{Child.__qualname__}.EntryRecorded"
PROFESSIONAL_TOPIC = f"{Child.__module__}:{Child.__qualname__}.ProfessionalRecorded"
ROLL_TOPIC = f"{Child.__module__}:{Child.__qualname__}.RollRecorded"
ATTENDANCE_TOPIC = f"{Child.__module__}:{Child.__qualname__}.AttendanceNoted"
# A child's school may be learned after a police notification about the home (the roll
# or a register arrives later): notifications this recent are then judged again for
# school DSLs, and sent to a school whose roll the child was on (Operation Encompass, P4).
LATE_SCHOOL_WINDOW = timedelta(days=28)
DEFAULT_MAX_AGE = timedelta(days=7)
STATUS_PREFIX = "cp-status-"
POSITION = "hub-notifications"
ACCESS_POSITION = "audit-access-to-service"
WATERMARK = "event-time-watermark"  # latest recorded_at seen, in epoch seconds
ACCESS_KIND = "unscheduled-care-lookup"


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
        self.clock = clock
        self._shaper = AlertShaper(policy, self._calendar, clock)
        self._max_age = max_age
        self.last_page_size = 0

    # Raising ----------------------------------------------------------------------------

    def raise_pending(self, limit: int = 100) -> int:
        """Evaluate the chronology entries recorded since the last call; returns alerts added.

        An entry the hub stored more than ``max_age`` after the agency recorded it is
        history (a baseline load, a backfill): it joins the chronology without alerting,
        and is not judged again later either.
        """
        start = self._store.position(POSITION) + 1
        page = self._app.recorder.select_notifications(
            start=start,
            limit=limit,
            topics=[ENTRY_TOPIC, PROFESSIONAL_TOPIC, ROLL_TOPIC, ATTENDANCE_TOPIC],
        )
        self.last_page_size = len(page)
        if not page:
            self.audit_pending()
            return 0
        watermark = self._store.position(WATERMARK)
        touched: dict[UUID, datetime] = {}  # child -> when the hub stored its latest record
        with_siblings: set[UUID] = set()
        schools_learned: dict[UUID, datetime] = {}
        professionals: dict[UUID, datetime] = {}
        history: set[UUID] = set()  # children given a history record (baseline) in this page
        for notification in page:
            originator = notification.originator_id
            child_id = originator if isinstance(originator, UUID) else UUID(str(originator))
            event: Any = self._app.mapper.to_domain_event(notification)
            stored_at: datetime = event.timestamp
            if notification.topic != ENTRY_TOPIC:
                # A newly known professional or school can route alerts better (or at all);
                # a school known from no earlier day than before changes nothing.
                if notification.topic == ATTENDANCE_TOPIC and not event.earlier:
                    continue
                professionals[child_id] = stored_at
                if notification.topic != PROFESSIONAL_TOPIC or event.role == "school":
                    schools_learned[child_id] = stored_at
                continue
            entry = ChronologyEntry.from_dict(event.entry)
            recorded = instant(entry.recorded_at or entry.occurred_at)
            watermark = max(watermark, int(recorded.timestamp()))
            if stored_at - recorded > self._max_age:
                history.add(child_id)
                continue  # history: no need to load the child
            if not (may_fire(self._rules, entry) or entry.kind.startswith(STATUS_PREFIX)):
                continue  # nothing any rule could raise, and no status that changes a judgement
            touched[child_id] = max(stored_at, touched.get(child_id, stored_at))
            if self._may_complete_siblings(entry):
                with_siblings.add(child_id)
        for child_id, stored_at in professionals.items():
            if child_id not in history:  # a baseline load's contacts: nothing recent to route
                touched.setdefault(child_id, stored_at)
        intents: list[tuple[AlertIntent, Child]] = []
        judged: set[UUID] = set()
        context = self._page_context()
        for child_id, now in touched.items():
            child = self._app.get_child(child_id)
            family = [child]
            if child_id in with_siblings:
                family += context.siblings(child)
            for member in family:
                if member.id not in judged:
                    judged.add(member.id)
                    intents += [(i, member) for i in self._rejudge(member, now, context)]
        for child_id, learned_at in schools_learned.items():
            child = self._app.get_child(child_id)
            intents += [(i, child) for i in self._late_school_intents(child, learned_at)]
        alerts, superseded = self._route(intents)
        added = self._store.add(
            alerts, (POSITION, page[-1].id), (WATERMARK, watermark), superseded=superseded
        )
        self.audit_pending()
        return added

    def _may_complete_siblings(self, entry: ChronologyEntry) -> bool:
        return any(
            isinstance(rule.trigger, CumulativeConcernTrigger)
            and rule.trigger.include_siblings
            and any(match.matches(entry) for match in rule.trigger.signals)
            for rule in self._rules.rules
        )

    def _page_context(self) -> AlertContext:
        """The alert context with siblings loaded once per page (nothing changes within it)."""
        loaded: dict[UUID, list[Child]] = {}
        load = self._context.siblings

        def siblings(child: Child) -> list[Child]:
            if child.id not in loaded:
                loaded[child.id] = load(child)
            return loaded[child.id]

        return replace(self._context, siblings=siblings)

    def _rejudge(self, child: Child, now: datetime, context: AlertContext) -> list[AlertIntent]:
        """Every intent the child's recent entries raise, judged on what is known now."""
        intents: list[AlertIntent] = []
        statuses = StatusHistory(child)
        for entry in child.entries:
            if not may_fire(self._rules, entry):
                continue
            if now - instant(entry.recorded_at or entry.occurred_at) > self._max_age:
                continue
            intents += evaluate(self._rules, child, entry, context, statuses)
        return intents

    def _route(
        self, intents: list[tuple[AlertIntent, Child]]
    ) -> tuple[list[Alert], list[tuple[str, str]]]:
        """The alerts to add (shaped by the policy), and the alerts they supersede."""
        self._record_unresolved([intent for intent, _ in intents if intent.record_only])
        candidates = [(intent, child) for intent, child in intents if not intent.record_only]
        existing = self._store.routes([intent.occurrence_id for intent, _ in candidates])
        raised = [
            Raised(a.alert_id, a.occurrence_id, a.slot, a.route_rank, a.superseded_by is not None)
            for a in existing
        ]
        chosen, superseded = choose([intent for intent, _ in candidates], raised)
        child_of = {id(intent): child for intent, child in candidates}
        return [self._shaper.shape(intent, child_of[id(intent)]) for intent in chosen], superseded

    def _record_unresolved(self, intents: list[AlertIntent]) -> None:
        """Audit, once per occurrence, that a record-only rule found nobody to tell, and why."""
        if not intents:
            return
        unique = {intent.occurrence_id: intent for intent in intents}
        self._audit.append_batch(
            [
                (
                    "alert-recipient-unresolved",
                    {
                        "rule_id": intent.rule_id,
                        "child_id": intent.child_id,
                        "event_id": intent.entry.event_id,
                        "kind": intent.entry.kind,
                        "occurrence": intent.occurrence_key,
                        "unresolved": [{"kind": k, "reason": r} for k, r in intent.unresolved],
                        "outcome": "recorded only: the rule tells nobody else in this case",
                    },
                )
                for intent in unique.values()
            ],
            keys=[f"unresolved:{occurrence}" for occurrence in unique],
        )

    def _audit_supersessions(self) -> None:
        """Audit every supersession the store holds unaudited (idempotent, like alerts)."""
        while superseded := self._store.unaudited_supersessions():
            self._audit.append_batch(
                [
                    ("alert-superseded", {"alert_id": old, "superseded_by": new})
                    for old, new in superseded
                ],
                keys=[f"superseded:{old}:{new}" for old, new in superseded],
            )
            self._store.mark_supersessions_audited([old for old, _ in superseded])

    def _late_school_intents(self, child: Child, learned_at: datetime) -> list[AlertIntent]:
        """School notifications for recent police notifications, now the school is known.

        Alert ids do not depend on when they are evaluated, so a notification the school
        was already sent is not sent again.
        """
        intents = []
        for entry in child.chronology():
            if entry.kind != "domestic-abuse-notification":
                continue
            if learned_at - instant(entry.recorded_at or entry.occurred_at) > LATE_SCHOOL_WINDOW:
                continue
            for intent in evaluate(self._rules, child, entry, self._context):
                if intent.recipient.kind == "school-dsl":
                    intents.append(intent)
        return intents

    def raise_access_notifications(self, limit: int = 500) -> int:
        """Turn the lookup service's ``access-to-service`` audit records into alerts (A1).

        They go through the same rules as chronology entries.
        """
        after = self._store.position(ACCESS_POSITION)
        records = self._audit.records("access-to-service", after=after)[:limit]
        if not records:
            return 0
        intents: list[tuple[AlertIntent, Child]] = []
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
            intents += [(i, child) for i in evaluate(self._rules, child, entry, self._context)]
        alerts, superseded = self._route(intents)
        added = self._store.add(alerts, (ACCESS_POSITION, records[-1].seq), superseded=superseded)
        self.audit_pending()
        return added

    # Auditing ---------------------------------------------------------------------------

    def audit_pending(self) -> int:
        """Audit every stored alert and supersession not yet audited; returns alerts audited.

        Idempotent per alert id, so a crash after storing and before auditing is redone.
        """
        self._audit_supersessions()
        total = 0
        while pending := self._store.unaudited():
            items = []
            for alert in pending:
                kind = "alert-refused" if alert.state == REFUSED else "alert-raised"
                if alert.unrouted:
                    kind = "alert-unrouted"
                if alert.escalation_level:
                    kind = "alert-escalated"
                items.append((kind, audit_payload(alert)))
            self._audit.append_batch(items, keys=[f"alert:{a.alert_id}" for a in pending])
            self._store.mark("audited", [a.alert_id for a in pending])
            total += len(pending)
        return total

    # Acknowledgement --------------------------------------------------------------------

    def acknowledge(self, alert_id: str, by: str, outcome: str = "", note: str = "") -> Alert:
        """Record an acknowledgement once (a repeat changes nothing); outcome and note audited."""
        alert = self._store.get(alert_id)
        if alert is None:
            raise KeyError(alert_id)
        if alert.state == ACKNOWLEDGED:
            return alert
        at = self.clock().isoformat()
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
                        **({"outcome": outcome, "note": note} if outcome else {}),
                    },
                )
            ],
            keys=[f"ack:{alert_id}"],
        )
        return acknowledged

    # Escalation -------------------------------------------------------------------------

    def escalate_due(self) -> list[Alert]:
        """Escalate unacknowledged alerts whose deadlines have passed (by the clock)."""
        now = self.clock()
        raised: list[Alert] = []
        for alert in self._store.open_alerts(due_by=now.astimezone(UTC).isoformat()):
            state = AlertState(
                alert.alert_id,
                Urgency(alert.urgency),
                instant(alert.raised_at),
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
        intent = escalation_intent(
            alert, child, number, level, self._organisations, self._context.operator_email
        )
        if intent is None:
            return None  # the entry was withdrawn (identity unlinked): nothing left to escalate
        return self._shaper.shape(intent, child, number, alert.alert_id)
