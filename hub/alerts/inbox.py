"""The practitioner's alert inbox over gRPC: stream alerts for the caller, acknowledge them.

A caller sees what the policy decided for it: alerts addressed to a team or an
organisation (duty team, school, GP practice: the policy decided by role and
organisation) for its certificate's organisation and role, and alerts
addressed to a person (a lead social worker: the policy decided on that
relationship) only when the certificate names that person. Each alert
streamed is recorded in the audit log as delivered to that user through the
inbox (once per user and alert); acknowledgements go through the same path as
``hub alerts ack``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator

import grpc

from hub.access.callers import CallRefused
from hub.access.certs import CertifiedIdentity, certificate_details
from hub.access.grpc_peers import abort, peer_identity
from hub.access.organisations import OrganisationDirectory
from hub.access.tls_front import PeerRegistry
from hub.alerts.proto import inbox_pb2, inbox_pb2_grpc
from hub.alerts.store import RAISED, Alert, AlertStore
from hub.audit.chain import AuditLog

SERVICE_NAME = inbox_pb2.DESCRIPTOR.services_by_name["AlertInbox"].full_name
POLL_SECONDS = 0.2

Acknowledge = Callable[[str, str], Alert]


def to_message(alert: Alert) -> inbox_pb2.InboxAlert:
    return inbox_pb2.InboxAlert(
        alert_id=alert.alert_id,
        rule_id=alert.rule_id,
        urgency=alert.urgency,
        headline=alert.headline,
        child_id=alert.child_id,
        nhs_number=alert.nhs_number or "",
        content_json=json.dumps(alert.content or {}, sort_keys=True),
        raised_at=alert.raised_at,
        deliver_by=alert.deliver_by or "",
        ack_deadline=alert.ack_deadline,
        escalation_level=alert.escalation_level,
        state=alert.state,
    )


PERSONAL_RECIPIENTS = frozenset({"lead-social-worker"})


def addressed_to(alert: Alert, identity: CertifiedIdentity) -> bool:
    """Whether the policy's decision for ``alert`` covers the certificate's holder."""
    recipient = alert.recipient
    if (recipient.organisation, recipient.role) != (identity.organisation, identity.role):
        return False
    return recipient.kind not in PERSONAL_RECIPIENTS or recipient.email == identity.user


def open_alerts_for(
    store: AlertStore, identity: CertifiedIdentity, after_seq: int = 0
) -> list[Alert]:
    """The unacknowledged alerts addressed to the certificate's holder, in the store's order."""
    alerts = store.select(
        "seq > ? AND state = ? AND json_extract(recipient, '$.organisation') = ?"
        " AND json_extract(recipient, '$.role') = ?",
        (after_seq, RAISED, identity.organisation, identity.role),
    )
    return [alert for alert in alerts if addressed_to(alert, identity)]


def record_delivered(
    audit: AuditLog, identity: CertifiedIdentity, alerts: list[Alert], channel: str = "inbox"
) -> None:
    """Audit each alert as delivered to this user on ``channel`` (once per user and alert)."""
    if not alerts:
        return
    audit.append_batch(
        [
            (
                "alert-delivered",
                {
                    "alert_id": alert.alert_id,
                    "child_id": alert.child_id,
                    "rule_id": alert.rule_id,
                    "channel": channel,
                    "to": {
                        "user": identity.user,
                        "role": identity.role,
                        "organisation": identity.organisation,
                    },
                    "status": "delivered",
                    "lawful_basis": alert.decision.get("lawful_basis"),
                    "policy_version": alert.decision.get("policy_version"),
                },
            )
            for alert in alerts
        ],
        keys=[f"{channel}:{alert.alert_id}:{identity.user}" for alert in alerts],
    )


class AlertInboxServicer(inbox_pb2_grpc.AlertInboxServicer):
    def __init__(
        self,
        store: AlertStore,
        audit: AuditLog,
        directory: OrganisationDirectory,
        registry: PeerRegistry,
        acknowledge: Acknowledge,
    ) -> None:
        self._store = store
        self._audit = audit
        self._directory = directory
        self._registry = registry
        self._acknowledge = acknowledge

    def _caller(self, context: grpc.ServicerContext, call: str) -> CertifiedIdentity:
        identity: CertifiedIdentity | None = None
        address = context.peer()
        try:
            address, identity, pem = peer_identity(context, self._registry)
            return self._identify(identity, pem)
        except CallRefused as refusal:
            self._audit.append(
                "access-refused",
                [
                    {
                        "call": call,
                        "stage": "call",
                        "peer": address,
                        "caller": identity.as_record() if identity else None,
                        "certificate": refusal.certificate,
                        "status": refusal.status,
                        "reason": refusal.reason,
                    }
                ],
            )
            abort(context, refusal)

    def _identify(self, identity: CertifiedIdentity | None, pem: bytes | None) -> CertifiedIdentity:
        if identity is None or pem is None:
            raise CallRefused(
                "UNAUTHENTICATED", "a client certificate issued by the hub is required"
            )
        if self._directory.get(identity.organisation) is None:
            raise CallRefused(
                "PERMISSION_DENIED",
                f"organisation {identity.organisation} is not in the organisation directory",
                certificate_details(pem),
            )
        return identity

    def Watch(  # noqa: N802 - the RPC's name
        self, request: inbox_pb2.WatchRequest, context: grpc.ServicerContext
    ) -> Iterator[inbox_pb2.InboxAlert]:
        identity = self._caller(context, "alert-inbox-watch")
        last = 0
        while context.is_active():
            batch = open_alerts_for(self._store, identity, last)
            record_delivered(self._audit, identity, batch)
            for alert in batch:
                last = max(last, alert.seq)
                yield to_message(alert)
            if request.pending_only:
                return
            time.sleep(POLL_SECONDS)

    def Acknowledge(  # noqa: N802 - the RPC's name
        self, request: inbox_pb2.AcknowledgeRequest, context: grpc.ServicerContext
    ) -> inbox_pb2.AcknowledgeResponse:
        identity = self._caller(context, "alert-inbox-acknowledge")
        alert = self._store.get(request.alert_id)
        recipient = alert.recipient if alert else None
        if alert is None or recipient is None or not addressed_to(alert, identity):
            abort(context, CallRefused("NOT_FOUND", "no such alert in your inbox"))
        acknowledged = self._acknowledge(alert.alert_id, f"{identity.user}@{identity.organisation}")
        return inbox_pb2.AcknowledgeResponse(
            alert_id=acknowledged.alert_id,
            state=acknowledged.state,
            acknowledged_at=acknowledged.acknowledged_at or "",
            acknowledged_by=acknowledged.acknowledged_by or "",
        )


def inbox_service(
    store: AlertStore, audit: AuditLog, directory: OrganisationDirectory, acknowledge: Acknowledge
) -> Callable[[grpc.Server, PeerRegistry], str]:
    """For ``create_server(extra_services=...)``: adds the inbox to the lookup server."""

    def add(server: grpc.Server, registry: PeerRegistry) -> str:
        inbox_pb2_grpc.add_AlertInboxServicer_to_server(
            AlertInboxServicer(store, audit, directory, registry, acknowledge), server
        )
        return SERVICE_NAME

    return add
