"""Alert delivery: read ``hub.alerts`` and make sure each recipient is told, once.

For every alert the consumer delivers by secure email (when the recipient has
an address and SMTP is configured) and by a signed webhook (when one is
configured), each with retries and backoff. A delivery ledger (SQLite) keyed by
alert id and channel means a redelivered or replayed message never notifies
twice; Kafka offsets are committed only after the ledger (and any dead letter)
is durable. An alert that cannot be delivered goes to ``hub.alerts.dead-letter``
with the reason, where an operator sees it (``hub alerts undeliverable``). Every
delivery and every failure is recorded in the audit log (``consumers.delivery_audit``)
before the ledger, so the IG lead sees to whom each alert went, and how.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaConsumer, KafkaProducer

from consumers.delivery_audit import audit_delivery
from consumers.delivery_metrics import count_outcome, observe_delivery
from consumers.email_delivery import SmtpSettings, deliver_alert_email
from consumers.retry import DeliveryResult, DeliveryStatus, RetryPolicy
from consumers.webhook_delivery import WebhookTarget, deliver_webhook
from hub import topics
from hub.audit.chain import AuditLog
from hub.config import Settings
from hub.ingest.stall import STALL_AFTER_S, StallWatch
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import SingleObjectCodec, WireError

log = structlog.get_logger(__name__)
REJOIN_AFTER_S = 10.0
LAG_CHECK_S = 5.0  # how often a quiet live consumer asks whether alerts are waiting
NO_ASSIGNMENT_TIMEOUT_S = 60.0
LATE_SOURCE = timedelta(hours=1)  # a source record this late is pointed out in the message


@dataclass(frozen=True)
class DeliveryConfig:
    bootstrap_servers: str
    ledger_path: Path
    smtp: SmtpSettings | None = None
    webhook: WebhookTarget | None = None
    topic: str = topics.ALERTS
    dead_letter_topic: str = topics.ALERTS_DEAD_LETTER
    group_id: str = "hub-alert-delivery"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    schemas_dir: Path = DEFAULT_SCHEMAS_DIR


@dataclass
class DeliveryStats:
    delivered: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    reconnects: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "delivered": self.delivered,
            "duplicates": self.duplicates,
            "dead_lettered": self.dead_lettered,
            "reconnects": self.reconnects,
        }


class DeliveryLedger:
    """Which (alert, channel) pairs are done: delivered or dead-lettered."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS deliveries (alert_id TEXT NOT NULL, channel TEXT NOT NULL,"
            " status TEXT NOT NULL, attempts INTEGER NOT NULL, reason TEXT NOT NULL,"
            " at TEXT NOT NULL, PRIMARY KEY (alert_id, channel))"
        )

    def done(self, alert_id: str, channel: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM deliveries WHERE alert_id = ? AND channel = ?", (alert_id, channel)
        ).fetchone()
        return row is not None

    def record(self, alert_id: str, channel: str, result: DeliveryResult) -> None:
        self._db.execute(
            "INSERT OR IGNORE INTO deliveries VALUES (?, ?, ?, ?, ?, ?)",
            (
                alert_id,
                channel,
                result.status.value,
                result.attempts,
                result.reason,
                datetime.now(UTC).isoformat(),
            ),
        )

    def rows(self) -> list[dict[str, Any]]:
        cursor = self._db.execute("SELECT * FROM deliveries ORDER BY at")
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def close(self) -> None:
        self._db.close()


def email_text(alert: dict[str, Any]) -> tuple[str, str]:
    """Subject and body: the headline, the policy-filtered content, and what to do."""
    content = json.loads(alert["content_json"])
    subject = f"[{alert['urgency'].upper()}] {alert['headline']}"
    lines = [
        alert["headline"],
        "",
        f"Child: NHS number {alert['nhs_number'] or 'not known'} (hub id {alert['child_id']})",
        f"When: {content.get('occurred_at', '')}",
        f"Reported by: {content.get('agency', '')}",
    ]
    if content.get("summary"):
        lines.append(f"What: {content['summary']}")
    contact = content.get("contact") or {}
    if contact.get("responsible_authority"):
        lines.append(
            f"Contact: {contact['responsible_authority']}, office hours "
            f"{contact.get('office_hours_phone') or '-'}, out of hours "
            f"{contact.get('out_of_hours_phone') or '-'}"
        )
    if alert.get("deliver_by"):
        lines.append(f"Needed before: {alert['deliver_by'].isoformat()}")
    recorded = alert.get("source_recorded_at")
    if recorded is not None and alert["raised_at"] - recorded >= LATE_SOURCE:
        hours = (alert["raised_at"] - recorded).total_seconds() / 3600
        lines.append(
            f"Late record: the agency recorded this at {recorded.isoformat()}; it reached "
            f"the hub {hours:.1f} hours later"
        )
    if alert.get("route") == "unrouted":
        lines.append(
            "Unrouted: nobody responsible could be found for this child; please route it "
            "(hub alerts list --unrouted)"
        )
    lines += [
        "",
        f"Please acknowledge by {alert['ack_deadline'].isoformat()}: "
        f"hub alerts ack {alert['alert_id']}",
        f"(shared as {alert['disclosure']} under policy {alert['policy_version']}; "
        f"rule {alert['rule_id']}; {', '.join(alert['requirements'])})",
    ]
    return subject, "\n".join(lines)


class AlertDeliveryService:
    def __init__(
        self,
        config: DeliveryConfig,
        sleep: Callable[[float], None] = time.sleep,
        audit: AuditLog | None = None,
        stall_after_s: float = STALL_AFTER_S,
    ):
        """``audit``: where each delivery and failure is recorded (closed with the service).

        ``stall_after_s``: a consumer with alerts waiting that fetches none for this long
        is replaced (``hub.ingest.stall``: kafka-python can lose its group coordinator).
        """
        self._config = config
        self._audit = audit
        self._sleep = sleep
        self._codec = SingleObjectCodec(default_catalogue(config.schemas_dir))
        self._ledger = DeliveryLedger(config.ledger_path)
        self._consumer = self._new_consumer()
        self._stall = StallWatch(stall_after_s)
        self._lag_checked = 0.0
        self._dead_letters = KafkaProducer(
            bootstrap_servers=config.bootstrap_servers,
            client_id="hub-alert-delivery-dlq",
            acks="all",
            enable_idempotence=True,
        )
        self.stats = DeliveryStats()

    def _new_consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            self._config.topic,
            bootstrap_servers=self._config.bootstrap_servers,
            group_id=self._config.group_id,
            client_id="hub-alert-delivery",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )

    def _behind(self) -> bool:
        """Whether an assigned partition holds alerts beyond this consumer's position."""
        assigned = list(self._consumer.assignment())
        if not assigned:
            return False
        try:
            ends = self._consumer.end_offsets(assigned)
            return any(self._consumer.position(p) < end for p, end in ends.items())
        except Exception as error:  # no answer now: judged again on the next check
            log.warning("alert_delivery_lag_unknown", error=type(error).__name__)
            return False

    def _replace_stalled_consumer(self) -> None:
        """Leave the group and join again; committed offsets say where delivery resumes."""
        log.warning("alert_consumer_stalled_reconnecting", after_s=self._stall.after_s)
        self.stats.reconnects += 1
        try:
            self._consumer.close(autocommit=False, timeout_ms=5000)
        except Exception as error:
            log.warning("stalled_consumer_close_failed", error=type(error).__name__)
        self._consumer = self._new_consumer()

    def has_partitions(self) -> bool:
        """Readiness: the group has given this consumer part of the alert topic to deliver."""
        return bool(self._consumer.assignment())

    def run(
        self,
        until_idle: bool = False,
        idle_seconds: float = 3.0,
        stop: threading.Event | None = None,
    ) -> DeliveryStats:
        """Deliver until ``stop`` is set (or, ``until_idle``, until nothing arrives a while)."""
        quiet_since = last_join = time.monotonic()
        rejoin_after = REJOIN_AFTER_S
        while stop is None or not stop.is_set():
            if not self._consumer.assignment():
                now = time.monotonic()
                if until_idle and now - quiet_since > NO_ASSIGNMENT_TIMEOUT_S:
                    raise TimeoutError("no partitions of the alert topic were assigned")
                if now - last_join > rejoin_after:
                    # As in the hub worker: with kafka-python 3.0 an assignment computed
                    # before the topic's metadata arrived can stay empty; joining again fixes
                    # it. Live, back off: a consumer may be idle because the group is larger
                    # than the topic's partition count.
                    log.warning("no_partitions_assigned_rejoining", after_s=rejoin_after)
                    self._consumer.unsubscribe()
                    self._consumer.subscribe([self._config.topic])
                    last_join = now
                    if not until_idle:
                        rejoin_after = min(rejoin_after * 2, 300.0)
            else:
                rejoin_after = REJOIN_AFTER_S
            batches = self._consumer.poll(timeout_ms=200, max_records=200)
            if batches:
                for records in batches.values():
                    for message in records:
                        self._handle(message)
                self._dead_letters.flush()
                self._consumer.commit()
                quiet_since = time.monotonic()
                self._stall.stalled(progressed=True, behind=True)
                continue
            now = time.monotonic()
            if now - self._lag_checked < LAG_CHECK_S and not until_idle:
                continue
            self._lag_checked = now
            behind = self._behind()
            if self._stall.stalled(progressed=False, behind=behind):
                self._replace_stalled_consumer()
            elif (
                until_idle
                and not behind
                and self._consumer.assignment()
                and now - quiet_since >= idle_seconds
            ):
                return self.stats
        return self.stats

    def _handle(self, message: Any) -> None:
        try:
            alert = self._codec.decode(message.value).record
        except WireError as error:
            self._dead_letter(message, None, "undecodable", str(error))
            return
        alert_id = alert["alert_id"]
        channels: list[str] = []
        if alert["recipient_email"] and self._config.smtp is not None:
            channels.append("email")
        if self._config.webhook is not None:
            channels.append("webhook")
        if not channels:
            if not self._ledger.done(alert_id, "none"):
                self._dead_letter(message, alert_id, "no-channel", "no address for the recipient")
                failed = DeliveryResult(
                    DeliveryStatus.FAILED_PERMANENTLY, 0, "no address for the recipient"
                )
                self._audit_delivery(alert, "none", failed)
                self._ledger.record(alert_id, "none", failed)
            return
        for channel in channels:
            if self._ledger.done(alert_id, channel):
                self.stats.duplicates += 1
                count_outcome(channel, "duplicate")
                continue
            result = self._deliver(channel, alert)
            if not result.delivered:
                self._dead_letter(
                    message, alert_id, f"{channel}-{result.status.value}", result.reason
                )
                count_outcome(channel, result.status.value)
            else:
                self.stats.delivered += 1
                observe_delivery(channel, alert)
            self._dead_letters.flush()
            self._audit_delivery(alert, channel, result)
            self._ledger.record(alert_id, channel, result)
            log.info(
                "alert_delivery",
                alert_id=alert_id,
                channel=channel,
                status=result.status.value,
                attempts=result.attempts,
            )

    def _audit_delivery(self, alert: dict[str, Any], channel: str, result: DeliveryResult) -> None:
        if self._audit is not None:
            webhook = self._config.webhook.url if self._config.webhook else None
            audit_delivery(self._audit, alert, channel, result, webhook)

    def _deliver(self, channel: str, alert: dict[str, Any]) -> DeliveryResult:
        if channel == "email":
            assert self._config.smtp is not None
            subject, body = email_text(alert)
            return deliver_alert_email(
                self._config.smtp,
                alert["recipient_email"],
                subject,
                body,
                alert["alert_id"],
                policy=self._config.retry,
                sleep=self._sleep,
            )
        assert self._config.webhook is not None
        payload = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in alert.items()
        }
        return deliver_webhook(
            self._config.webhook,
            payload,
            alert["alert_id"],
            policy=self._config.retry,
            sleep=self._sleep,
        )

    def _dead_letter(self, message: Any, alert_id: str | None, reason: str, detail: str) -> None:
        self.stats.dead_lettered += 1
        self._dead_letters.send(
            self._config.dead_letter_topic,
            key=message.key,
            value=message.value,
            headers=[
                ("dlq-reason", reason.encode()),
                ("dlq-detail", detail[:500].encode()),
                ("alert-id", (alert_id or "").encode()),
                ("original-topic", message.topic.encode()),
                ("original-partition", str(message.partition).encode()),
                ("original-offset", str(message.offset).encode()),
                ("failed-at", datetime.now(UTC).isoformat().encode()),
            ],
        )
        log.warning("alert_dead_lettered", alert_id=alert_id, reason=reason)

    def close(self) -> None:
        self._consumer.close()
        self._dead_letters.flush()
        self._dead_letters.close()
        self._ledger.close()
        if self._audit is not None:
            self._audit.close()


def delivery_config(settings: Settings) -> DeliveryConfig:
    """Where delivery reads alerts, and how it sends them (SMTP, webhook), from settings."""
    smtp = None
    if settings.smtp_host:
        smtp = SmtpSettings(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.alert_sender,
            starttls=settings.smtp_starttls,
            username=settings.smtp_user,
            password=settings.smtp_password,
        )
    webhook = None
    if settings.alert_webhook_url:
        url = settings.alert_webhook_url
        webhook = WebhookTarget(
            url=url,
            secret=settings.alert_webhook_secret.encode(),
            allow_http=url.startswith("http://127.0.0.1") or url.startswith("http://localhost"),
        )
    return DeliveryConfig(
        bootstrap_servers=settings.kafka_bootstrap,
        ledger_path=settings.delivery_ledger_path,
        smtp=smtp,
        webhook=webhook,
        topic=settings.topics.alerts,
        dead_letter_topic=settings.topics.alerts_dead_letter,
        schemas_dir=settings.schemas_dir,
    )
