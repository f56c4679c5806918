"""What an alert is, before and after the policy has shaped its content.

An ``AlertIntent`` is a rule's conclusion that someone must be told about an
entry: produced by ``hub.alerts.evaluate`` (pure, deterministic: the same child
state and entry always give the same intents, so replays raise nothing new).
``hub.alerts.raiser`` passes each intent's entry through the policy for its
recipient and stores the resulting ``Alert`` with a deterministic id, the
idempotency key every later step (publishing, delivery, acknowledgement) uses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hub.domain.chronology import ChronologyEntry

ALERT_NAMESPACE = uuid.UUID("6f1d4b52-8c1e-4d8e-9a55-2f0f3c1b7a10")


class Urgency:
    URGENT = "urgent"
    ROUTINE = "routine"


@dataclass(frozen=True)
class Recipient:
    """Who is to be told, in the policy's vocabulary, and how to reach them.

    ``kind`` is the rule's name for the recipient (lead-social-worker, duty-team,
    registered-gp, school-dsl, front-door, referrer); ``role``, ``organisation``,
    ``organisation_type`` and ``relationship`` are what the policy decides on.
    """

    kind: str
    role: str
    organisation: str
    organisation_type: str
    relationship: str
    name: str | None = None
    email: str | None = None
    escalation_email: str | None = None
    # How the recipient was found (hub.alerts.routing.ROUTE_RANKS): "allocated" (the
    # child's own professional or authority), "household", "school-authority",
    # "home-postcode", "default-authority", "fallback:<route>", or "unrouted".
    route: str = "allocated"

    @property
    def key(self) -> str:
        """Stable identity of the recipient for idempotency keys."""
        return f"{self.kind}/{self.organisation}/{self.email or self.name or '-'}"


@dataclass(frozen=True)
class AlertIntent:
    rule_id: str
    requirements: tuple[str, ...]
    child_id: str
    entry: ChronologyEntry  # what the alert is about; its content goes through the policy
    recipient: Recipient
    urgency: str
    headline: str  # factual, names no one: "Attended A&E while on a child protection plan"
    deliver_by: datetime | None = None  # e.g. before the next school day starts (P4)
    # Distinguishes intents from one entry for one recipient under one rule (rarely needed).
    discriminator: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    # What the alert is about, independent of arrival order: the entry's event id, or for
    # windowed rules the window (an ISO week, an attendance, a period of the window).
    occurrence: str = ""
    # The audience (hub.alerts.routing.slot): one alert per slot, the best route wins.
    slot: str = ""
    # Recipient kinds of the rule that could not be resolved, with the reason (audited).
    unresolved: tuple[tuple[str, str], ...] = ()
    # Nobody could be found and the rule says so is recorded, not raised: audit only.
    record_only: bool = False
    # An id fixed by the caller: an escalation's derives from its alert and level.
    fixed_id: str = ""

    @property
    def occurrence_key(self) -> str:
        return self.occurrence or self.entry.event_id

    @property
    def alert_id(self) -> str:
        if self.fixed_id:
            return self.fixed_id
        material = "|".join(
            (
                self.rule_id,
                self.child_id,
                self.occurrence_key,
                self.recipient.key,
                self.discriminator,
            )
        )
        return str(uuid.uuid5(ALERT_NAMESPACE, material))

    @property
    def occurrence_id(self) -> str:
        """Shared by every alert one rule raises for one occurrence about one child."""
        material = "|".join(("occurrence", self.rule_id, self.child_id, self.occurrence_key))
        return str(uuid.uuid5(ALERT_NAMESPACE, material))
