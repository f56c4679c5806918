"""The hub's settings: every ``HUB_*`` environment variable, read once, here.

``Settings.from_env()`` reads the environment and checks each value; a value
that cannot be used raises ``SettingsError`` naming the variable and saying
why, before anything starts. Every field names its variable in its metadata
(``Settings.variables()``), and the README's configuration table lists the
same variables (a unit test checks both ways). Defaults are safe for a laptop
and hold no secrets; the secrets (cipher key, SMTP password, webhook secret)
are kept out of ``repr``.

The rest of the product takes what it needs from a ``Settings`` (through
``hub.bootstrap``), never from the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from hub.postgres_db import is_postgres_url
from hub.topics import Topics

REPO_ROOT = Path(__file__).resolve().parents[1]
# The shipped files; the loaders take their defaults from here (config imports no hub layer).
DEFAULT_POLICY_FILE = REPO_ROOT / "policies" / "information-sharing.toml"
DEFAULT_ALERT_RULES = REPO_ROOT / "policies" / "alert-rules.toml"
DEFAULT_MI_REFERENCE = REPO_ROOT / "policies" / "management-information.toml"
DEFAULT_SCHEMAS_DIR = REPO_ROOT / "schemas"
# GOV.UK Frontend's built assets, installed from npm by ``make setup`` (never committed).
DEFAULT_WEB_ASSETS_DIR = REPO_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk"
DEFAULT_ALERT_SENDER = "alerts@hub.example.org.uk"
DEFAULT_DOCUMENT_ISSUER = "Safeguarding hub (synthetic demonstration)"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMATS = ("console", "json")
# Each long-running process serves /metrics on HUB_METRICS_ADDRESS's port plus its offset.
METRICS_PORT_OFFSETS = {"run": 0, "serve": 1, "alerts-run": 2, "alerts-deliver": 3, "listen-ae": 4}
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable holds a value the hub cannot use; the message names it."""


def _env(name: str) -> dict[str, Any]:
    return {"env": name}


@dataclass(frozen=True)
class Settings:
    """Where the hub keeps its data, how it reaches Kafka, and how each part behaves."""

    data_dir: Path = field(metadata=_env("HUB_DATA_DIR"))
    kafka_bootstrap: str = field(metadata=_env("HUB_KAFKA_BOOTSTRAP"))
    database_url: str | None = field(default=None, metadata=_env("HUB_DATABASE_URL"))
    consumer_group: str = field(default="safeguarding-hub", metadata=_env("HUB_CONSUMER_GROUP"))
    batch_size: int = field(default=2000, metadata=_env("HUB_BATCH_SIZE"))
    kafka_session_timeout_ms: int = field(
        default=6000, metadata=_env("HUB_KAFKA_SESSION_TIMEOUT_MS")
    )
    kafka_heartbeat_interval_ms: int = field(
        default=1000, metadata=_env("HUB_KAFKA_HEARTBEAT_INTERVAL_MS")
    )
    kafka_max_poll_interval_ms: int = field(
        default=300_000, metadata=_env("HUB_KAFKA_MAX_POLL_INTERVAL_MS")
    )
    decode_processes: int = field(default=1, metadata=_env("HUB_DECODE_PROCESSES"))
    aggregate_cache_size: int = field(default=500_000, metadata=_env("HUB_AGGREGATE_CACHE_SIZE"))
    lookup_address: str = field(default="127.0.0.1:50051", metadata=_env("HUB_LOOKUP_ADDRESS"))
    certs_dir_override: Path | None = field(default=None, metadata=_env("HUB_CERTS_DIR"))
    lookup_user: str = field(default="ae-desk", metadata=_env("HUB_LOOKUP_USER"))
    web_address: str = field(default="127.0.0.1:8443", metadata=_env("HUB_WEB_ADDRESS"))
    web_assets_dir: Path = field(
        default=DEFAULT_WEB_ASSETS_DIR, metadata=_env("HUB_WEB_ASSETS_DIR")
    )
    audit_signing_key: Path | None = field(default=None, metadata=_env("HUB_AUDIT_SIGNING_KEY"))
    audit_witness_file: Path | None = field(default=None, metadata=_env("HUB_AUDIT_WITNESS_FILE"))
    audit_head_bound_s: float = field(default=1.0, metadata=_env("HUB_AUDIT_HEAD_BOUND_SECONDS"))
    audit_key_fingerprint: str | None = field(
        default=None, metadata=_env("HUB_AUDIT_KEY_FINGERPRINT")
    )
    kafka_port: int = field(default=9092, metadata=_env("HUB_KAFKA_PORT"))
    kafka_host: str = field(default="127.0.0.1", metadata=_env("HUB_KAFKA_HOST"))
    kafka_data_dir: Path = field(
        default=REPO_ROOT / ".data" / "kafka", metadata=_env("HUB_KAFKA_DATA_DIR")
    )
    kafka_libs: Path | None = field(default=None, metadata=_env("HUB_KAFKA_LIBS"))
    topic_prefix: str = field(default="", metadata=_env("HUB_TOPIC_PREFIX"))
    schemas_dir: Path = field(default=DEFAULT_SCHEMAS_DIR, metadata=_env("HUB_SCHEMAS_DIR"))
    policy_file: Path = field(default=DEFAULT_POLICY_FILE, metadata=_env("HUB_POLICY_FILE"))
    cipher_key: str | None = field(default=None, repr=False, metadata=_env("HUB_CIPHER_KEY"))
    organisations_file: Path | None = field(default=None, metadata=_env("HUB_ORGANISATIONS"))
    postcode_areas_file: Path | None = field(default=None, metadata=_env("HUB_POSTCODE_AREAS"))
    alert_rules: Path = field(default=DEFAULT_ALERT_RULES, metadata=_env("HUB_ALERT_RULES"))
    alert_max_age_days: float = field(default=7.0, metadata=_env("HUB_ALERT_MAX_AGE_DAYS"))
    mi_reference: Path = field(default=DEFAULT_MI_REFERENCE, metadata=_env("HUB_MI_REFERENCE"))
    mi_small_count: int = field(default=0, metadata=_env("HUB_MI_SMALL_COUNT"))
    school_calendar: Path | None = field(default=None, metadata=_env("HUB_SCHOOL_CALENDAR"))
    school_day_start: time | None = field(default=None, metadata=_env("HUB_SCHOOL_DAY_START"))
    default_authority: str | None = field(default=None, metadata=_env("HUB_DEFAULT_AUTHORITY"))
    duty_operator_email: str | None = field(default=None, metadata=_env("HUB_DUTY_OPERATOR_EMAIL"))
    document_issuer: str = field(
        default=DEFAULT_DOCUMENT_ISSUER, metadata=_env("HUB_DOCUMENT_ISSUER")
    )
    smtp_host: str | None = field(default=None, metadata=_env("HUB_SMTP_HOST"))
    smtp_port: int = field(default=587, metadata=_env("HUB_SMTP_PORT"))
    smtp_starttls: bool = field(default=True, metadata=_env("HUB_SMTP_STARTTLS"))
    smtp_user: str | None = field(default=None, metadata=_env("HUB_SMTP_USER"))
    smtp_password: str | None = field(default=None, repr=False, metadata=_env("HUB_SMTP_PASSWORD"))
    alert_sender: str = field(default=DEFAULT_ALERT_SENDER, metadata=_env("HUB_ALERT_SENDER"))
    alert_webhook_url: str | None = field(default=None, metadata=_env("HUB_ALERT_WEBHOOK_URL"))
    alert_webhook_secret: str = field(
        default="", repr=False, metadata=_env("HUB_ALERT_WEBHOOK_SECRET")
    )
    ae_time_zone: ZoneInfo = field(
        default=ZoneInfo("Europe/London"), metadata=_env("HUB_AE_TIME_ZONE")
    )
    local_time_zone: ZoneInfo = field(
        default=ZoneInfo("Europe/London"), metadata=_env("HUB_LOCAL_TIME_ZONE")
    )
    metrics_address: str | None = field(default=None, metadata=_env("HUB_METRICS_ADDRESS"))
    log_level: str = field(default="INFO", metadata=_env("HUB_LOG_LEVEL"))
    log_format: str = field(default="console", metadata=_env("HUB_LOG_FORMAT"))

    @classmethod
    def variables(cls) -> list[str]:
        """Every environment variable the settings read, in field order."""
        return [f.metadata["env"] for f in fields(cls)]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings from ``environ`` (default ``os.environ``); raises ``SettingsError``."""
        read = _Reader(os.environ if environ is None else environ)
        data_dir = read.path("HUB_DATA_DIR") or REPO_ROOT / ".data"
        kafka_port = read.number("HUB_KAFKA_PORT", int, 9092, minimum=1, maximum=65535)
        kafka_host = read.text("HUB_KAFKA_HOST") or "127.0.0.1"
        lookup_address = read.text("HUB_LOOKUP_ADDRESS") or "127.0.0.1:50051"
        _check_address("HUB_LOOKUP_ADDRESS", lookup_address)
        web_address = read.text("HUB_WEB_ADDRESS") or "127.0.0.1:8443"
        _check_address("HUB_WEB_ADDRESS", web_address)
        metrics_address = read.text("HUB_METRICS_ADDRESS")
        if metrics_address is not None:
            _check_address("HUB_METRICS_ADDRESS", metrics_address)
            if int(metrics_address.rpartition(":")[2]) > 65535 - max(METRICS_PORT_OFFSETS.values()):
                raise SettingsError(f"HUB_METRICS_ADDRESS={metrics_address!r}: port too high")
        session_ms = read.number("HUB_KAFKA_SESSION_TIMEOUT_MS", int, 6000, minimum=1000)
        heartbeat_ms = read.number("HUB_KAFKA_HEARTBEAT_INTERVAL_MS", int, 1000, minimum=100)
        max_poll_ms = read.number("HUB_KAFKA_MAX_POLL_INTERVAL_MS", int, 300_000, minimum=1000)
        if heartbeat_ms * 3 > session_ms:
            raise SettingsError(
                f"HUB_KAFKA_HEARTBEAT_INTERVAL_MS={heartbeat_ms}: expected at most a third of"
                f" HUB_KAFKA_SESSION_TIMEOUT_MS ({session_ms})"
            )
        if max_poll_ms < session_ms:
            raise SettingsError(
                f"HUB_KAFKA_MAX_POLL_INTERVAL_MS={max_poll_ms}: expected at least"
                f" HUB_KAFKA_SESSION_TIMEOUT_MS ({session_ms})"
            )
        return cls(
            data_dir=data_dir,
            kafka_bootstrap=read.text("HUB_KAFKA_BOOTSTRAP") or f"{kafka_host}:{kafka_port}",
            database_url=read.text("HUB_DATABASE_URL"),
            consumer_group=read.text("HUB_CONSUMER_GROUP") or "safeguarding-hub",
            batch_size=read.number("HUB_BATCH_SIZE", int, 2000, minimum=1),
            kafka_session_timeout_ms=session_ms,
            kafka_heartbeat_interval_ms=heartbeat_ms,
            kafka_max_poll_interval_ms=max_poll_ms,
            decode_processes=read.number("HUB_DECODE_PROCESSES", int, 1, minimum=0),
            aggregate_cache_size=read.number("HUB_AGGREGATE_CACHE_SIZE", int, 500_000, minimum=0),
            lookup_address=lookup_address,
            certs_dir_override=read.path("HUB_CERTS_DIR"),
            lookup_user=read.text("HUB_LOOKUP_USER") or "ae-desk",
            web_address=web_address,
            web_assets_dir=read.path("HUB_WEB_ASSETS_DIR") or DEFAULT_WEB_ASSETS_DIR,
            audit_signing_key=read.path("HUB_AUDIT_SIGNING_KEY"),
            audit_witness_file=read.path("HUB_AUDIT_WITNESS_FILE"),
            audit_head_bound_s=read.number(
                "HUB_AUDIT_HEAD_BOUND_SECONDS", float, 1.0, minimum=0.001
            ),
            audit_key_fingerprint=read.text("HUB_AUDIT_KEY_FINGERPRINT"),
            kafka_port=kafka_port,
            kafka_host=kafka_host,
            kafka_data_dir=read.path("HUB_KAFKA_DATA_DIR") or REPO_ROOT / ".data" / "kafka",
            kafka_libs=read.path("HUB_KAFKA_LIBS"),
            topic_prefix=read.raw("HUB_TOPIC_PREFIX"),
            schemas_dir=read.path("HUB_SCHEMAS_DIR") or DEFAULT_SCHEMAS_DIR,
            policy_file=read.path("HUB_POLICY_FILE") or DEFAULT_POLICY_FILE,
            cipher_key=read.text("HUB_CIPHER_KEY"),
            organisations_file=read.path("HUB_ORGANISATIONS"),
            postcode_areas_file=read.path("HUB_POSTCODE_AREAS"),
            alert_rules=read.path("HUB_ALERT_RULES") or DEFAULT_ALERT_RULES,
            alert_max_age_days=read.number("HUB_ALERT_MAX_AGE_DAYS", float, 7.0, minimum=0),
            mi_reference=read.path("HUB_MI_REFERENCE") or DEFAULT_MI_REFERENCE,
            mi_small_count=read.number("HUB_MI_SMALL_COUNT", int, 0, minimum=0),
            school_calendar=read.path("HUB_SCHOOL_CALENDAR"),
            school_day_start=read.parsed("HUB_SCHOOL_DAY_START", time.fromisoformat, "HH:MM"),
            default_authority=read.text("HUB_DEFAULT_AUTHORITY"),
            duty_operator_email=read.text("HUB_DUTY_OPERATOR_EMAIL"),
            document_issuer=read.text("HUB_DOCUMENT_ISSUER") or DEFAULT_DOCUMENT_ISSUER,
            smtp_host=read.text("HUB_SMTP_HOST"),
            ae_time_zone=read.parsed("HUB_AE_TIME_ZONE", _zone, "an IANA time zone")
            or ZoneInfo("Europe/London"),
            local_time_zone=read.parsed("HUB_LOCAL_TIME_ZONE", _zone, "an IANA time zone")
            or ZoneInfo("Europe/London"),
            smtp_port=read.number("HUB_SMTP_PORT", int, 587, minimum=1, maximum=65535),
            smtp_starttls=read.flag("HUB_SMTP_STARTTLS", True),
            smtp_user=read.text("HUB_SMTP_USER"),
            smtp_password=read.text("HUB_SMTP_PASSWORD"),
            alert_sender=read.text("HUB_ALERT_SENDER") or DEFAULT_ALERT_SENDER,
            alert_webhook_url=read.text("HUB_ALERT_WEBHOOK_URL"),
            alert_webhook_secret=read.raw("HUB_ALERT_WEBHOOK_SECRET"),
            metrics_address=metrics_address,
            log_level=read.choice("HUB_LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
            log_format=read.choice("HUB_LOG_FORMAT", LOG_FORMATS, "console"),
        )

    @property
    def topics(self) -> Topics:
        """The hub's topic names under ``HUB_TOPIC_PREFIX``."""
        return Topics(self.topic_prefix)

    def metrics_endpoint(self, process: str) -> tuple[str, int] | None:
        """Where ``process`` (a key of METRICS_PORT_OFFSETS) serves metrics; None when off."""
        if self.metrics_address is None:
            return None
        host, _, port = self.metrics_address.rpartition(":")
        base = int(port)
        return host or "127.0.0.1", base + METRICS_PORT_OFFSETS[process] if base else 0

    @property
    def certs_dir(self) -> Path:
        """The lookup service's CA, server and client certificates (HUB_CERTS_DIR)."""
        return self.certs_dir_override or self.data_dir / "certs"

    @property
    def keys_dir(self) -> Path:
        """The event-store key file (when HUB_CIPHER_KEY is unset) and the audit signing key."""
        return self.data_dir / "keys"

    @property
    def lookup_views_path(self) -> Path:
        """The lookup's read model (derived from the event store; rebuilt if deleted)."""
        return self.data_dir / "lookup-views.sqlite"

    @property
    def postgres_url(self) -> str | None:
        """HUB_DATABASE_URL when it names PostgreSQL, where every shared store then lives."""
        return self.database_url if is_postgres_url(self.database_url) else None

    @property
    def audit_path(self) -> Path:
        return self.data_dir / "audit.sqlite"

    @property
    def audit_public_key_path(self) -> Path:
        """The embedded default audit key's public half (a convenience, never trusted alone)."""
        return self.data_dir / "keys" / "audit-signing.pub.pem"

    @property
    def publish_ledger_path(self) -> Path:
        return self.data_dir / "adapters" / "published.sqlite"

    @property
    def organisations_path(self) -> Path:
        """The organisation directory (HUB_ORGANISATIONS, else under the data directory)."""
        return self.organisations_file or self.data_dir / "reference" / "organisations.csv"

    @property
    def postcode_areas_path(self) -> Path:
        """The postcode table (HUB_POSTCODE_AREAS, else under the data directory)."""
        return self.postcode_areas_file or self.data_dir / "reference" / "postcode-areas.csv"

    @property
    def alert_store_path(self) -> Path:
        return self.data_dir / "alerts" / "alerts.sqlite"

    @property
    def delivery_ledger_path(self) -> Path:
        return self.data_dir / "alerts" / "deliveries.sqlite"

    @property
    def access_relay_path(self) -> Path:
        return self.data_dir / "lookup" / "relay.sqlite"


class _Reader:
    """Reads one variable at a time from an environment, raising ``SettingsError`` on misuse."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def raw(self, name: str) -> str:
        return self._environ.get(name, "")

    def text(self, name: str) -> str | None:
        """The value, or None when unset or empty (empty means "use the default")."""
        return self._environ.get(name) or None

    def path(self, name: str) -> Path | None:
        value = self.text(name)
        return Path(value) if value else None

    def parsed(self, name: str, parse: Callable[[str], T], expected: str) -> T | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return parse(value.strip())
        except ValueError:
            raise SettingsError(f"{name}={value!r}: expected {expected}") from None

    def number(
        self,
        name: str,
        kind: Callable[[str], T],
        default: T,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
    ) -> T:
        expected = "a whole number" if kind is int else "a number"
        value = self.parsed(name, kind, expected)
        if value is None:
            return default
        number = float(value)  # type: ignore[arg-type]
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            bounds = f"at least {minimum:g}" if maximum is None else f"{minimum:g} to {maximum:g}"
            raise SettingsError(f"{name}={self._environ[name]!r}: expected {expected}, {bounds}")
        return value

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
        raise SettingsError(f"{name}={value!r}: expected one of {', '.join(_TRUE + _FALSE)}")

    def choice(self, name: str, allowed: tuple[str, ...], default: str, upper: bool = False) -> str:
        value = self.text(name)
        if value is None:
            return default
        normalised = value.strip().upper() if upper else value.strip().lower()
        if normalised not in allowed:
            raise SettingsError(f"{name}={value!r}: expected one of {', '.join(allowed)}")
        return normalised


def _check_address(name: str, address: str) -> None:
    """``host:port`` with a port number (0 lets the system choose one)."""
    _, colon, port = address.rpartition(":")
    if not colon or not port.isdigit() or int(port) > 65535:
        raise SettingsError(f"{name}={address!r}: expected host:port")


def _zone(text: str) -> ZoneInfo:
    """An IANA time zone such as ``Europe/London``; ValueError if there is none of that name."""
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(text) from error
