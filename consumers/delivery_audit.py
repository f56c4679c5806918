"""What the audit log keeps of one delivery attempt: the alert, the channel, to whom, how it ended.

A delivered alert is an ``alert-delivered`` record, one that could not be delivered on a
channel (retries used up, refused by the server, no address) an ``alert-delivery-failed``
record with the reason. Each carries the child, the rule and the policy's decision the
alert was shaped under, so the IG lead's subject-access report shows to whom a concern
about the child went, when, how and on which lawful basis. The idempotency key (alert and
channel) means a message redelivered by Kafka is recorded once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from consumers.retry import DeliveryResult
from hub.audit.chain import AuditLog

DELIVERED = "alert-delivered"
FAILED = "alert-delivery-failed"


def delivery_record(
    alert: dict[str, Any], channel: str, result: DeliveryResult, webhook_url: str | None = None
) -> dict[str, Any]:
    """The payload of the audit record of delivering ``alert`` on ``channel``."""
    to: dict[str, Any] = {
        "role": alert["recipient_role"],
        "organisation": alert["recipient_organisation"],
    }
    if channel == "email":
        to["email"] = alert["recipient_email"]
    elif channel == "webhook" and webhook_url:
        to["webhook"] = urlsplit(webhook_url).hostname or ""
    payload = {
        "alert_id": alert["alert_id"],
        "child_id": alert["child_id"],
        "rule_id": alert["rule_id"],
        "channel": channel,
        "to": to,
        "status": result.status.value,
        "attempts": result.attempts,
        "reason": result.reason,
        "disclosure": alert["disclosure"],
        "lawful_basis": alert["lawful_basis"],
        "policy_version": alert["policy_version"],
        "escalation_level": alert["escalation_level"],
    }
    return payload


def audit_delivery(
    audit: AuditLog,
    alert: dict[str, Any],
    channel: str,
    result: DeliveryResult,
    webhook_url: str | None = None,
) -> None:
    """Record one delivery attempt's outcome, once per alert and channel."""
    kind = DELIVERED if result.delivered else FAILED
    payload = delivery_record(alert, channel, result, webhook_url)
    audit.append_batch([(kind, payload)], keys=[f"delivery:{alert['alert_id']}:{channel}"])
