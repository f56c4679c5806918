"""Alert email over real SMTP (aiosmtpd started by the test), with STARTTLS and AUTH."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from structlog.typing import EventDict

from consumers.alert_delivery import email_text
from consumers.email_delivery import (
    ALERT_ID_HEADER,
    SmtpSettings,
    deliver_alert_email,
    message_id_for,
    send_alert_email,
)
from consumers.retry import DeliveryStatus, RetryPolicy
from hub.domain.chronology import ChronologyEntry
from hub.policy.engine import Recipient, decide, entry_facts, render
from hub.policy.loader import load_policy
from tests.fixtures.helpers import captured_log_events, free_port

SENDER = "alerts@hub.example.org"
RECIPIENT = "lead.practitioner@council.example.gov.uk"
POLICY = RetryPolicy(max_attempts=3, base_seconds=0.0, cap_seconds=0.0)


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: bytes | None


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can refuse recipients in turn."""

    rcpt_replies: list[str] = field(default_factory=list)
    delivered: list[Delivered] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self.rcpt_replies.pop(0) if self.rcpt_replies else "250 OK"
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(  # noqa: N802 (aiosmtpd hook name)
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        message = message_from_bytes(content, policy=email_policy.default)
        assert isinstance(message, EmailMessage)
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        self.delivered.append(
            Delivered(
                str(envelope.mail_from),
                list(envelope.rcpt_tos),
                message,
                session.ssl is not None,
                login,
            )
        )
        return "250 Message accepted"


captured_logs = pytest.fixture(autouse=True, name="captured_logs")(captured_log_events)


@contextmanager
def smtp_server(inbox: Inbox, **smtp_options: Any) -> Iterator[int]:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


def accept_test_user(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data == (b"hub", b"s3cret")
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


@dataclass(frozen=True)
class SelfSigned:
    cert: Path
    key: Path


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> SelfSigned:
    """A certificate for 127.0.0.1, made for this test run."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    paths = SelfSigned(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


def tls_server_options(certs: SelfSigned) -> dict[str, Any]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certs.cert, certs.key)
    return {
        "tls_context": context,
        "require_starttls": True,
        "authenticator": accept_test_user,
        "auth_required": True,
    }


def plain(port: int) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", port, SENDER, starttls=False, timeout_seconds=5)


def test_alert_email_is_delivered_with_de_duplication_headers() -> None:
    """The server gets one message to the recipient with the subject, Message-ID and alert id."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        message_id = send_alert_email(
            plain(port), RECIPIENT, "New alert for child c-0001", "Open the hub.", "alert-42"
        )
    [delivered] = inbox.delivered
    assert delivered.mail_from == SENDER
    assert delivered.rcpt_tos == [RECIPIENT]
    message = delivered.message
    assert message["Subject"] == "New alert for child c-0001"
    assert message["To"] == RECIPIENT
    assert message["Message-ID"] == message_id == message_id_for("alert-42", SENDER)
    assert message[ALERT_ID_HEADER] == "alert-42"
    assert message["Auto-Submitted"] == "auto-generated"
    body = message.get_body()
    assert body is not None and body.get_content().strip() == "Open the hub."


def test_message_id_is_stable_per_idempotency_key() -> None:
    """A resend of the same alert has the same Message-ID; another alert has another."""
    assert message_id_for("alert-42", SENDER) == message_id_for("alert-42", SENDER)
    assert message_id_for("alert-42", SENDER) != message_id_for("alert-43", SENDER)
    assert message_id_for("alert-42", SENDER).endswith("@hub.example.org>")


def test_transient_refusal_is_retried_then_delivered() -> None:
    """451 (try again later) on the first attempt: delivered on the second."""
    inbox = Inbox(rcpt_replies=["451 4.3.0 try again later"])
    with smtp_server(inbox) as port:
        result = deliver_alert_email(
            plain(port), RECIPIENT, "New alert", "Open the hub.", "alert-42", policy=POLICY
        )
    assert (result.status, result.attempts) == (DeliveryStatus.DELIVERED, 2)
    assert len(inbox.delivered) == 1


def test_rejected_recipient_is_permanent() -> None:
    """550 (no such mailbox) is not retried: failed permanently after one attempt."""
    inbox = Inbox(rcpt_replies=["550 5.1.1 no such user"] * 3)
    with smtp_server(inbox) as port:
        result = deliver_alert_email(
            plain(port), RECIPIENT, "New alert", "Open the hub.", "alert-42", policy=POLICY
        )
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.FAILED_PERMANENTLY,
        1,
        "SMTP 550",
    )
    assert inbox.delivered == []


def test_unreachable_server_gives_up() -> None:
    """No server listening: every attempt is refused and the caller can dead-letter."""
    result = deliver_alert_email(
        plain(free_port()), RECIPIENT, "New alert", "Open the hub.", "alert-42", policy=POLICY
    )
    assert (result.status, result.attempts, result.reason) == (
        DeliveryStatus.GAVE_UP,
        3,
        "connection refused",
    )


def test_starttls_is_never_skipped() -> None:
    """A server that offers no STARTTLS gets nothing when STARTTLS is required."""
    inbox = Inbox()
    with smtp_server(inbox) as port:
        settings = SmtpSettings("127.0.0.1", port, SENDER, timeout_seconds=5)
        result = deliver_alert_email(
            settings, RECIPIENT, "New alert", "Open the hub.", "alert-42", policy=POLICY
        )
    assert (result.status, result.reason) == (
        DeliveryStatus.FAILED_PERMANENTLY,
        "server does not offer STARTTLS",
    )
    assert inbox.delivered == []


def test_credentials_without_starttls_are_refused() -> None:
    """A password is never sent over an unencrypted connection."""
    with pytest.raises(ValueError, match="STARTTLS"):
        SmtpSettings("127.0.0.1", 25, SENDER, starttls=False, username="hub", password="s3cret")


def test_starttls_and_login_with_a_trusted_self_signed_certificate(
    self_signed: SelfSigned,
) -> None:
    """STARTTLS to a server whose certificate we trust, then AUTH: delivered over TLS."""
    inbox = Inbox()
    client_context = ssl.create_default_context(cafile=str(self_signed.cert))
    with smtp_server(inbox, **tls_server_options(self_signed)) as port:
        settings = SmtpSettings(
            "127.0.0.1",
            port,
            SENDER,
            username="hub",
            password="s3cret",
            timeout_seconds=5,
            ssl_context=client_context,
        )
        send_alert_email(settings, RECIPIENT, "New alert", "Open the hub.", "alert-42")
    [delivered] = inbox.delivered
    assert delivered.tls
    assert delivered.login == b"hub"


def test_untrusted_certificate_is_a_permanent_failure(self_signed: SelfSigned) -> None:
    """With the system trust store, the self-signed certificate is refused and nothing sent."""
    inbox = Inbox()
    with smtp_server(inbox, **tls_server_options(self_signed)) as port:
        settings = SmtpSettings("127.0.0.1", port, SENDER, timeout_seconds=5)
        result = deliver_alert_email(
            settings, RECIPIENT, "New alert", "Open the hub.", "alert-42", policy=POLICY
        )
    assert (result.status, result.reason) == (
        DeliveryStatus.FAILED_PERMANENTLY,
        "tls certificate not trusted",
    )
    assert inbox.delivered == []


def test_logs_carry_ids_only(captured_logs: list[EventDict]) -> None:
    """Log events carry the alert id and Message-ID, never recipient, subject or body."""
    with smtp_server(Inbox()) as port:
        deliver_alert_email(
            plain(port), RECIPIENT, "Jane Doe", "1 Acacia Avenue", "alert-42", policy=POLICY
        )
    logged = json.dumps(captured_logs, default=str)
    assert [e["event"] for e in captured_logs] == ["alert_email_sent", "alert_email_attempt"]
    assert "alert-42" in logged
    for secret in ("lead.practitioner", "Jane", "Acacia"):
        assert secret not in logged


def test_alert_email_of_a_shielded_notification_carries_the_fact_not_the_address() -> None:
    """The email is built from the policy's rendering: no withheld field, and whom to contact."""
    entry = ChronologyEntry(
        event_id="e1",
        agency="POLICE",
        kind="domestic-abuse-notification",
        occurred_at="2026-11-18T21:00:00+00:00",
        recorded_at="2026-11-18T22:00:00+00:00",
        summary="Police domestic abuse notification WYP-1 at 9 Refuge Close: risk high",
        source_organisation="WYP",
        source_reference="WYP-1",
        labels=("shielded-address",),
        details={"risk_level": "HIGH", "incident_reference": "WYP-1", "postcode": "LS7 3QQ"},
    )
    dsl = Recipient("dsl-1", "school-dsl", "107001", "school", "childs-school")
    decision = decide(load_policy(), dsl, "safeguarding", entry, entry_facts(entry, True, False))
    content = render(entry, decision) or {}
    assert decision.needs_contact
    content["contact"] = {"responsible_authority": "Leeds", "out_of_hours_phone": "0113 000 0002"}
    at = dt.datetime(2026, 11, 19, 8, 45, tzinfo=dt.UTC)
    alert = {
        "alert_id": "a-1",
        "urgency": "urgent",
        "headline": "Police domestic abuse notification for the child's household",
        "nhs_number": "9434765919",
        "child_id": "c-1",
        "content_json": json.dumps(content),
        "deliver_by": at,
        "ack_deadline": at,
        "disclosure": content["disclosure"],
        "policy_version": "p",
        "rule_id": "p4-domestic-abuse-to-school",
        "requirements": ["P4"],
    }
    _, body = email_text(alert)
    assert "risk level high" in body and "Contact: Leeds" in body
    for sealed in ("Refuge", "WYP-1", "LS7"):
        assert sealed not in body
