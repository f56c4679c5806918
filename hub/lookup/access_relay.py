"""Access-to-service notifications: from the audit log (the outbox) to a Kafka topic.

A lookup writes its ``access-to-service`` record in the same audit
transaction as the lookup itself, so a notification exists exactly when the
access happened. This relay publishes those records, in order, to
``hub.access-to-service`` (Avro, ``AccessToServiceNotification``) and only
then moves its position forward: a broker outage delays notifications but
loses none. After a crash between publishing and saving the position a
record can be published again; ``notification_id`` is the idempotency key
that consumers (alert delivery) use to notify once.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub import topics
from hub.audit.chain import AuditLog, AuditRecord
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import SingleObjectCodec

log = structlog.get_logger(__name__)
KIND = "access-to-service"
SCHEMA = "AccessToServiceNotification"


def to_notification(record: AuditRecord) -> dict[str, Any]:
    payload = record.payload
    return {
        "notification_id": payload["lookup_id"],
        "audit_seq": record.seq,
        "child_id": payload["child_id"],
        "nhs_number": payload.get("nhs_number"),
        "responsible_authority": payload.get("responsible_authority"),
        "on_plan": bool(payload["on_plan"]),
        "looked_after": bool(payload["looked_after"]),
        "accessed_at": datetime.fromisoformat(payload["accessed_at"]),
        "accessing_organisation": payload["accessing_organisation"],
        "accessing_organisation_name": payload["accessing_organisation_name"],
        "accessing_organisation_type": payload["accessing_organisation_type"],
        "accessing_user": payload["accessing_user"],
        "accessing_role": payload["accessing_role"],
        "purpose": payload["purpose"],
    }


class RelayPosition:
    """The last audit sequence number published, kept in a small SQLite file."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS position (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
        )

    def get(self) -> int:
        row = self._db.execute("SELECT seq FROM position WHERE name = ?", (KIND,)).fetchone()
        return int(row[0]) if row else 0

    def set(self, seq: int) -> None:
        self._db.execute("INSERT OR REPLACE INTO position VALUES (?, ?)", (KIND, seq))

    def close(self) -> None:
        self._db.close()


class AccessNotificationRelay:
    def __init__(
        self,
        audit: AuditLog,
        bootstrap_servers: str,
        position_path: Path,
        topic: str = topics.ACCESS_TO_SERVICE,
        schemas_dir: Path = DEFAULT_SCHEMAS_DIR,
    ) -> None:
        self._audit = audit
        self._bootstrap = bootstrap_servers
        self._topic = topic
        self._position = RelayPosition(position_path)
        self._codec = SingleObjectCodec(default_catalogue(schemas_dir))
        self._producer: KafkaProducer | None = None

    def _connect(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(
                bootstrap_servers=self._bootstrap,
                client_id="hub-access-relay",
                acks="all",
                enable_idempotence=True,
            )
        return self._producer

    def relay_pending(self, timeout_s: float = 30.0) -> int:
        """Publish every record not yet published; returns how many were published."""
        pending = self._audit.records(KIND, after=self._position.get())
        if not pending:
            return 0
        producer = self._connect()
        futures = []
        for record in pending:
            notification = to_notification(record)
            future = producer.send(
                self._topic,
                key=notification["child_id"].encode(),
                value=self._codec.encode(SCHEMA, notification),
                headers=[("notification-id", notification["notification_id"].encode())],
            )
            futures.append(future)
        producer.flush(timeout=timeout_s)
        for future in futures:
            future.get(timeout=timeout_s)  # raises if the broker did not take the record
        self._position.set(pending[-1].seq)
        return len(pending)

    def run(self, stop: threading.Event, interval_s: float = 0.5) -> None:
        """Relay until ``stop`` is set; a failure is logged and retried, never skipped."""
        while not stop.is_set():
            try:
                sent = self.relay_pending()
            except KafkaError as error:
                log.warning("access_notifications_not_yet_published", error=type(error).__name__)
                sent = 0
            if not sent:
                stop.wait(interval_s)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
        self._position.close()
