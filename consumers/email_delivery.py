"""Send an alert email over SMTP, with STARTTLS and a de-duplicable Message-ID.

The Message-ID is derived from the alert's idempotency key, so when a retry
delivers the same alert twice a receiving system (or a person's mail client) can
tell they are the same message; ``X-Hub-Alert-Id`` carries the key itself. STARTTLS
is on by default and never silently skipped: if the server does not offer it the
send fails. Credentials are refused on a connection without STARTTLS.

Email is not end-to-end secure, so callers should keep the subject and body to a
notice and a link into the hub rather than case detail. Logs carry only the
idempotency key and Message-ID, never the recipient, subject or body.
"""

from __future__ import annotations

import hashlib
import random as _random
import smtplib
import ssl
import time as _time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate

import structlog

from consumers.retry import (
    AttemptOutcome,
    DeliveryResult,
    RandomSource,
    RetryPolicy,
    Sleep,
    Verdict,
    deliver_with_retries,
)

ALERT_ID_HEADER = "X-Hub-Alert-Id"

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """How to reach the submission server, and the From address."""

    host: str
    port: int
    sender: str
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout_seconds: float = 30.0
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        if self.username is not None and not self.starttls:
            raise ValueError("refusing to send SMTP credentials without STARTTLS")
        if "@" not in self.sender:
            raise ValueError("sender must be an email address")


def message_id_for(idempotency_key: str, sender: str) -> str:
    """A stable Message-ID for the alert: a hash of the key at the sender's domain."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = sender.rpartition("@")[2]
    return f"<alert.{digest}@{domain}>"


def build_alert_email(
    settings: SmtpSettings,
    recipient_email: str,
    subject: str,
    body_text: str,
    idempotency_key: str,
) -> EmailMessage:
    """The message ``send_alert_email`` sends."""
    if not idempotency_key or not idempotency_key.isascii() or not idempotency_key.isprintable():
        raise ValueError("idempotency key must be non-empty printable ASCII")
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = recipient_email
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id_for(idempotency_key, settings.sender)
    message[ALERT_ID_HEADER] = idempotency_key
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no autoreplies
    message.set_content(body_text)
    return message


def send_alert_email(
    settings: SmtpSettings,
    recipient_email: str,
    subject: str,
    body_text: str,
    idempotency_key: str,
) -> str:
    """Send one alert email and return its Message-ID; raises ``smtplib``/``OSError`` errors."""
    message = build_alert_email(settings, recipient_email, subject, body_text, idempotency_key)
    with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
        smtp.ehlo()
        if settings.starttls:
            smtp.starttls(context=settings.ssl_context or ssl.create_default_context())
            smtp.ehlo()
        if settings.username is not None and settings.password is not None:
            smtp.login(settings.username, settings.password)
        smtp.send_message(message, from_addr=settings.sender, to_addrs=[recipient_email])
    message_id = str(message["Message-ID"])
    log.info("alert_email_sent", idempotency_key=idempotency_key, message_id=message_id)
    return message_id


def classify_smtp_error(error: Exception) -> AttemptOutcome:
    """Whether retrying could help: SMTP 4xx and connection trouble yes, 5xx and TLS no."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        code = codes[0] if codes else 550
        return _by_code(code)
    if isinstance(error, smtplib.SMTPResponseException):
        return _by_code(error.smtp_code)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return AttemptOutcome(Verdict.PERMANENT, "server does not offer STARTTLS")
    if isinstance(error, ssl.SSLCertVerificationError):
        return AttemptOutcome(Verdict.PERMANENT, "tls certificate not trusted")
    if isinstance(error, TimeoutError):
        return AttemptOutcome(Verdict.TRANSIENT, "timeout")
    if isinstance(error, ConnectionRefusedError):
        return AttemptOutcome(Verdict.TRANSIENT, "connection refused")
    if isinstance(error, smtplib.SMTPException | OSError):
        return AttemptOutcome(Verdict.TRANSIENT, f"connection error: {type(error).__name__}")
    raise error


def _by_code(code: int) -> AttemptOutcome:
    verdict = Verdict.TRANSIENT if 400 <= code < 500 else Verdict.PERMANENT
    return AttemptOutcome(verdict, f"SMTP {code}")


def deliver_alert_email(
    settings: SmtpSettings,
    recipient_email: str,
    subject: str,
    body_text: str,
    idempotency_key: str,
    *,
    policy: RetryPolicy | None = None,
    random: RandomSource = _random.random,
    sleep: Sleep = _time.sleep,
) -> DeliveryResult:
    """``send_alert_email`` with retries on transient failures; never raises SMTP errors."""

    def attempt(number: int) -> AttemptOutcome:
        try:
            send_alert_email(settings, recipient_email, subject, body_text, idempotency_key)
        except (smtplib.SMTPException, OSError) as error:
            outcome = classify_smtp_error(error)
        else:
            outcome = AttemptOutcome(Verdict.SUCCESS, "accepted")
        log.info(
            "alert_email_attempt",
            idempotency_key=idempotency_key,
            attempt=number,
            verdict=outcome.verdict.value,
            reason=outcome.reason,
        )
        return outcome

    return deliver_with_retries(attempt, policy or RetryPolicy(), random=random, sleep=sleep)
