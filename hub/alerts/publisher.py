"""Publishing stored alerts to ``hub.alerts`` (the alert store is the outbox).

Alerts are sent in store order with acks=all; only when the broker has taken
every one of a batch are they marked published. A crash in between sends
some again with the same ``alert_id``, which delivery consumers use to notify
once (at-least-once publishing, exactly-once notification).
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from hub import topics
from hub.alerts.store import Alert, AlertStore
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import SingleObjectCodec

SCHEMA = "Alert"


def to_record(alert: Alert) -> dict[str, Any]:
    """The Avro record for ``alert`` (schemas/Alert.v2.avsc)."""
    content = alert.content or {}
    return {
        "alert_id": alert.alert_id,
        "rule_id": alert.rule_id,
        "requirements": list(alert.requirements),
        "child_id": alert.child_id,
        "nhs_number": alert.nhs_number,
        "recipient_kind": alert.recipient.kind,
        "recipient_role": alert.recipient.role,
        "recipient_organisation": alert.recipient.organisation,
        "recipient_name": alert.recipient.name,
        "recipient_email": alert.recipient.email,
        "urgency": alert.urgency,
        "headline": alert.headline,
        "content_json": json.dumps(content, sort_keys=True),
        "disclosure": str(content.get("disclosure", "refuse")),
        "lawful_basis": alert.decision.get("lawful_basis"),
        "policy_version": str(alert.decision.get("policy_version", "")),
        "raised_at": datetime.fromisoformat(alert.raised_at),
        "deliver_by": datetime.fromisoformat(alert.deliver_by) if alert.deliver_by else None,
        "ack_deadline": datetime.fromisoformat(alert.ack_deadline),
        "escalation_level": alert.escalation_level,
        "escalates": alert.escalates,
        "source_recorded_at": _instant(alert.routing.get("source_recorded_at")),
        "route": alert.routing.get("route"),
    }


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class AlertPublisher:
    def __init__(
        self,
        store: AlertStore,
        bootstrap_servers: str,
        topic: str = topics.ALERTS,
        schemas_dir: Path = DEFAULT_SCHEMAS_DIR,
    ):
        self._store = store
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._codec = SingleObjectCodec(default_catalogue(schemas_dir))
        self._producer: KafkaProducer | None = None

    def publish_pending(self, timeout_s: float = 30.0) -> int:
        """Send every unpublished alert; returns how many were sent."""
        total = 0
        while pending := self._store.unpublished():
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id="hub-alert-publisher",
                    acks="all",
                    enable_idempotence=True,
                    linger_ms=5,
                )
            futures = [
                self._producer.send(
                    self._topic,
                    key=alert.alert_id.encode(),
                    value=self._codec.encode(SCHEMA, to_record(alert)),
                    headers=[("alert-id", alert.alert_id.encode())],
                )
                for alert in pending
            ]
            self._producer.flush(timeout=timeout_s)
            for future in futures:
                future.get(timeout=timeout_s)  # raises if the broker did not take it
            self._store.mark("published", [alert.alert_id for alert in pending])
            total += len(pending)
        return total

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
