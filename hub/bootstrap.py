"""The composition root: every application and service of the hub, built from one ``Settings``.

``bootstrap(settings)`` returns a ``System``; the command line and the lookup
server processes ask it for what they run (the ingestion
worker, the lookup service and its gRPC server, the alert raiser, publisher
and inbox, the web console, alert delivery, the audit log, the adapters'
publisher) and build
nothing themselves. Unit tests pass fakes for the parts they replace (a
policy, alert rules, an organisation directory, a school calendar, a clock)
and ``in_memory=True`` for an event store held in memory.

Storage is SQLite (a file under the data directory) unless ``HUB_DATABASE_URL``
names PostgreSQL. Event payloads are encrypted with AES-GCM (not compressed:
they are small, and compressing cost more than it saved);
the key comes from ``HUB_CIPHER_KEY`` or, for demos, from a key file generated
once under the data directory.

The module is over 500 lines: the event store's environment (above ``System``)
stays beside the one place that builds applications from it, ``System`` has one
short method per part it wires, and each long-running process's metrics endpoint
is wired here with the rest.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

import structlog
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import IntegrityError
from prometheus_client.registry import Collector
from starlette.applications import Starlette

from adapters.ledger import LedgerLocation
from adapters.publisher import EventPublisher
from adapters.stream_publisher import StreamPublisher
from consumers.alert_delivery import AlertDeliveryService, DeliveryLedger, delivery_config
from hub.access.organisations import OrganisationDirectory, load_directory
from hub.alerts.alert_metrics import AlertStoreCollector
from hub.alerts.assembly import AlertParts, assemble_raiser
from hub.alerts.inbox import inbox_service
from hub.alerts.pg_store import PostgresAlertStore
from hub.alerts.postcode_areas import PostcodeAreas, load_areas
from hub.alerts.publisher import AlertPublisher
from hub.alerts.raiser import WATERMARK, AlertRaiser
from hub.alerts.rules import AlertRules
from hub.alerts.rules_loader import load_alert_rules
from hub.alerts.store import AlertStore
from hub.application.disclosure import DisclosureService
from hub.application.hub_app import HubApplication
from hub.audit.audit_metrics import AuditTailCollector
from hub.audit.chain import AuditLog
from hub.audit.opening import open_audit_log
from hub.audit.pg_tail import PostgresAuditTailCollector
from hub.calendar.school_day import SchoolCalendar
from hub.config import Settings
from hub.domain.indexes import IndexIds
from hub.eventstore import protocol_checks
from hub.eventstore.sqlite_store import WAL_AUTOCHECKPOINT, WORKER_WAL_AUTOCHECKPOINT_PAGES
from hub.ingest.consumer_timeouts import ConsumerTimeouts
from hub.ingest.dead_letters import DeadLetter, read_dead_letters
from hub.ingest.decoding import FactCodec
from hub.ingest.lease import FileLease, Lease, PostgresLease
from hub.ingest.worker import IngestWorker
from hub.ingest.worker_metrics import WorkerCollector
from hub.keyfiles import write_once
from hub.lookup.access_relay import AccessNotificationRelay
from hub.lookup.parts import LookupParts
from hub.lookup.server import ExtraService, LookupServer, ServerTls, create_server
from hub.lookup.service import LOOKUP_ENTRY_KINDS, ChildLookupService
from hub.lookup.views import LookupViews
from hub.metrics.counts import CountsCollector, GaugeCollector
from hub.metrics.multiprocess import share_with_children
from hub.metrics.server import MetricsServer
from hub.mi.assembly import assemble_mi
from hub.mi.reference import MiReference, load_reference
from hub.mi.service import MiService
from hub.migrations.runner import Migration, upgrade
from hub.policy.loader import load_policy
from hub.policy.model import Policy
from hub.web.access import handshake_refused
from hub.web.app import create_console
from hub.web.parts import ConsoleConfig, ConsoleParts
from hub.web.security import Identify, registry_identify
from hub.web.server import WebServer, create_web_server

if TYPE_CHECKING:  # imported where used: PDF rendering and signing load for documents only
    from hub.documents.bundle import BundleBuilder
    from hub.documents.service import DocumentService
    from hub.documents.signing import DocumentSigner

log = structlog.get_logger(__name__)
Clock = Callable[[], datetime]

STARTUP_ATTEMPTS = 5


def cipher_key(settings: Settings) -> str:
    """The event-store key: from configuration, or a generated demo key file (mode 0600)."""
    if settings.cipher_key:
        return settings.cipher_key
    path = settings.data_dir / "keys" / "event-store.key"
    if not path.exists():
        write_once(path, AESCipher.create_key(num_bytes=32).encode())
    return path.read_text().strip()


def index_key(event_store_key: str) -> bytes:
    """The secret for index ids, derived from (and rotating with) the event-store key."""
    return hmac.new(event_store_key.encode(), b"hub/index-ids/v1", hashlib.sha256).digest()


def store_env(settings: Settings, *, worker: bool) -> dict[str, str]:
    """Eventsourcing environment for the configured store; workers cache without fast-forward."""
    env = {
        "CIPHER_TOPIC": "hub.eventstore.cipher:HubAESCipher",
        "CIPHER_KEY": cipher_key(settings),
        "IS_SNAPSHOTTING_ENABLED": "y",
    }
    if worker:
        # The worker is the only writer of its children: no need to re-query the store on
        # each cache hit, nor to deep-copy (see docs/benchmarks.md).
        env.update(
            {
                "AGGREGATE_CACHE_MAXSIZE": str(settings.aggregate_cache_size),
                "AGGREGATE_CACHE_FASTFORWARD": "n",
                "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
            }
        )
    url = settings.database_url
    if is_postgres(settings):
        assert url is not None
        # User, password and database may be percent-encoded in a URL. Other tuning
        # (POSTGRES_POOL_SIZE, POSTGRES_LOCK_TIMEOUT, POSTGRES_SCHEMA, ...) is read by
        # eventsourcing from the process environment, so it is deliberately not set here.
        parsed = urlparse(url)
        dbname = unquote(parsed.path.lstrip("/"))
        if not dbname:
            raise ValueError(
                "HUB_DATABASE_URL names no database: postgresql://user:pw@host:port/db"
            )
        env.update(
            {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": dbname,
                "POSTGRES_HOST": parsed.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parsed.port or 5432),
                "POSTGRES_USER": unquote(parsed.username or ""),
                "POSTGRES_PASSWORD": unquote(parsed.password or ""),
            }
        )
    else:
        path = sqlite_store_path(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        env.update(
            {
                "PERSISTENCE_MODULE": "hub.eventstore.sqlite_store:HubSQLiteFactory",
                "SQLITE_DBNAME": str(path),
                "SQLITE_LOCK_TIMEOUT": "30",
            }
        )
        if worker:  # the worker's own thread checkpoints (hub/eventstore/sqlite_store.py)
            env[WAL_AUTOCHECKPOINT] = str(WORKER_WAL_AUTOCHECKPOINT_PAGES)
    return env


def is_postgres(settings: Settings) -> bool:
    """Whether HUB_DATABASE_URL names a PostgreSQL database (else the store is a SQLite file)."""
    url = settings.database_url
    return bool(url and url.startswith(("postgres://", "postgresql://")))


def sqlite_store_path(settings: Settings) -> Path:
    """The SQLite event store's file (HUB_DATABASE_URL ``sqlite:///path``, else the default)."""
    url = settings.database_url
    return Path(url.removeprefix("sqlite:///")) if url else settings.data_dir / "hub.sqlite"


def memory_env(settings: Settings) -> dict[str, str]:
    """Eventsourcing environment for an event store held in memory (unit tests)."""
    return {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "CIPHER_TOPIC": "hub.eventstore.cipher:HubAESCipher",
        "CIPHER_KEY": settings.cipher_key or AESCipher.create_key(num_bytes=32),
        "IS_SNAPSHOTTING_ENABLED": "y",
    }


def build_application(
    settings: Settings | None = None, *, worker: bool = False, in_memory: bool = False
) -> HubApplication:
    """The hub application over the configured event store (``in_memory``: a new, empty one)."""
    settings = settings or Settings.from_env()
    protocol_checks.install()
    codec = FactCodec(settings.schemas_dir)
    env = memory_env(settings) if in_memory else None
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            return HubApplication(
                env=env or store_env(settings, worker=worker),
                decode_fact=codec.decode_fact,
                index_ids=IndexIds(index_key(env["CIPHER_KEY"] if env else cipher_key(settings))),
            )
        except IntegrityError:
            # Two processes started on an empty store (the worker and the alert raiser,
            # say) both create its tables; the loser finds them made and tries again.
            if attempt == STARTUP_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")


class System:
    """Builds the hub's applications and services from settings, with real or fake parts.

    Reference data (policy, alert rules, organisation directory, postcode table,
    school calendar) is loaded on first use and kept; a fake given to
    ``bootstrap`` is used instead. Each ``application()`` is a new connection to
    the configured event store, except ``in_memory``, where every caller shares one.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        in_memory: bool = False,
        policy: Policy | None = None,
        alert_rules: AlertRules | None = None,
        directory: OrganisationDirectory | None = None,
        postcode_areas: PostcodeAreas | None = None,
        calendar: SchoolCalendar | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self._in_memory = in_memory
        self._memory_app: HubApplication | None = None
        self._policy = policy
        self._rules = alert_rules
        self._directory = directory
        self._areas = postcode_areas
        self._calendar = calendar
        self._clock = clock
        self._mi_reference: MiReference | None = None

    # Stores and reference data ---------------------------------------------------------------

    def application(self, *, worker: bool = False) -> HubApplication:
        """The hub application (``worker``: the ingestion worker's, with its aggregate cache)."""
        if not self._in_memory:
            return build_application(self.settings, worker=worker)
        if self._memory_app is None:
            self._memory_app = build_application(self.settings, in_memory=True)
        return self._memory_app

    def audit(self) -> AuditLog:
        """The audit log: signed tree heads with the configured key (HUB_AUDIT_SIGNING_KEY)."""
        return open_audit_log(self.settings)

    def audit_tail(self) -> AuditTailCollector:
        """The audit log's unsigned-tail gauge, read from wherever the log lives."""
        if self.settings.postgres_url:
            return PostgresAuditTailCollector(self.settings.postgres_url)
        return AuditTailCollector(self.settings.audit_path)

    def alert_store(self) -> AlertStore:
        """The alert store (the outbox): in PostgreSQL when HUB_DATABASE_URL names it."""
        if self.settings.postgres_url:
            return PostgresAlertStore(self.settings.postgres_url)
        return AlertStore(self.settings.alert_store_path)

    def publish_ledger(self) -> LedgerLocation:
        """Where the adapters' publish ledger lives: PostgreSQL, else a SQLite file."""
        return self.settings.postgres_url or self.settings.publish_ledger_path

    def upgrade_database(self) -> list[Migration] | None:
        """Bring the PostgreSQL schema up to date (``hub db upgrade``); None on SQLite."""
        if not self.settings.postgres_url:
            return None
        return upgrade(self.settings.postgres_url)

    def policy(self) -> Policy:
        if self._policy is None:
            self._policy = load_policy(self.settings.policy_file)
        return self._policy

    def alert_rules(self) -> AlertRules:
        if self._rules is None:
            self._rules = load_alert_rules(self.settings.alert_rules)
        return self._rules

    def directory(self) -> OrganisationDirectory:
        if self._directory is None:
            self._directory = load_directory(self.settings.organisations_path)
        return self._directory

    def postcode_areas(self) -> PostcodeAreas:
        if self._areas is None:
            self._areas = load_areas(self.settings.postcode_areas_path)
        return self._areas

    def school_calendar(self, now: datetime | None = None) -> SchoolCalendar:
        """Configured term dates, else typical English terms around ``now``; local time zone."""
        if self._calendar is None:
            settings = self.settings
            self._calendar = SchoolCalendar.configured(
                settings.school_calendar,
                settings.school_day_start,
                now or datetime.now(UTC),
                settings.local_time_zone,
            )
        return self._calendar

    # Applications and services ---------------------------------------------------------------

    def disclosure(self, app: HubApplication, audit: AuditLog) -> DisclosureService:
        """Chronologies and statuses through the policy, every decision audited."""
        return DisclosureService(app, self.policy(), audit)

    def documents(self, app: HubApplication, audit: AuditLog) -> DocumentService:
        """Court chronologies, subject-access reports and bundles: disclosed, signed, audited."""
        from hub.documents.service import DocumentService

        return DocumentService(
            app,
            self.disclosure(app, audit),
            audit,
            self.document_signer(),
            self.settings.document_issuer,
            self._clock or (lambda: datetime.now(UTC)),
        )

    def case_review(self, app: HubApplication, audit: AuditLog, processes: int) -> BundleBuilder:
        """Case-review bundles; ``processes`` helpers render and sign (0: this process does)."""
        from hub.documents.bundle import BundleBuilder

        return BundleBuilder(
            app, audit, self.documents(app, audit), self.settings.certs_dir, processes
        )

    def open_alerts_by_child(self, authority: str, since: str) -> dict[str, int]:
        """Unacknowledged alerts to ``authority`` raised since ``since``, counted per child."""
        store = self.alert_store()
        try:
            return store.open_by_child(authority, since)
        finally:
            store.close()

    def document_signer(self) -> DocumentSigner:
        """The hub's document-signing certificate in HUB_CERTS_DIR (issued on first use)."""
        from hub.documents.signing import DocumentSigner

        return DocumentSigner(self.settings.certs_dir)

    def ingest_worker(
        self,
        app: HubApplication,
        *,
        bootstrap_servers: str | None = None,
        group_id: str | None = None,
        batch_size: int | None = None,
        decode_processes: int | None = None,
        lease: Lease | None = None,
    ) -> IngestWorker:
        """The Kafka ingestion worker; each argument given overrides its setting.

        With ``lease`` (``worker_lease()``, already acquired) the worker checks it before
        each commit and stops with ``LeaseLostError`` once it is gone.
        """
        settings = self.settings
        return IngestWorker(
            app,
            bootstrap_servers or settings.kafka_bootstrap,
            group_id=group_id or settings.consumer_group,
            batch_size=batch_size or settings.batch_size,
            subscribe_to=settings.topics.agency_topics,
            dead_letter_topic=settings.topics.dead_letter,
            decode_processes=settings.decode_processes
            if decode_processes is None
            else decode_processes,
            schemas_dir=settings.schemas_dir,
            timeouts=ConsumerTimeouts(
                session_timeout_ms=settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
                max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
            ),
            lease=lease,
        )

    def worker_lease(self) -> Lease:
        """The one ingestion lease of the configured store (hub.ingest.lease), not yet acquired.

        PostgreSQL: an advisory lock in the hub's database; SQLite: a lock on
        ``<store file>.worker-lease`` beside the database file.
        """
        settings = self.settings
        if is_postgres(settings):
            assert settings.database_url is not None
            return PostgresLease(settings.database_url)
        store = sqlite_store_path(settings)
        return FileLease(store.with_name(store.name + ".worker-lease"))

    def metrics(
        self, process: str, ready: Callable[[], bool] | None = None, *extra: Collector
    ) -> MetricsServer | None:
        """``/metrics``, ``/livez``, ``/readyz`` for ``process`` if HUB_METRICS_ADDRESS is set."""
        endpoint = self.settings.metrics_endpoint(process)
        return None if endpoint is None else MetricsServer(*endpoint, ready, extra).start()

    def worker_metrics(self, worker: IngestWorker) -> MetricsServer | None:
        """The worker's metrics, and the identity queue read through a connection of its own."""
        if self.settings.metrics_endpoint("run") is None:
            return None
        reader = self.application()
        queue = GaugeCollector(
            "hub_identity_queue_size",
            "Records held for a person to decide whose they are (hub identity queue)",
            lambda: len(reader.open_cases_ids()),
        )
        ready = lambda: bool(worker.scheduler.partitions())  # noqa: E731
        return self.metrics("run", ready, WorkerCollector(worker), queue)

    def alerts_metrics(
        self, parts: AlertParts, ready: Callable[[], bool] | None = None
    ) -> MetricsServer | None:
        """The raiser's metrics: unacknowledged and overdue alerts by its clock."""
        return self.metrics(
            "alerts-run", ready, AlertStoreCollector(parts.store, parts.raiser.clock)
        )

    def serve_metrics(self, processes: int = 1) -> MetricsServer | None:
        """The lookup servers' metrics (latency, refusals), with the audit log's tail.

        Several server processes: called before they start, it serves their sums.
        """
        endpoint = self.settings.metrics_endpoint("serve")
        if endpoint is None:
            return None
        tail = self.audit_tail()
        if processes == 1:
            return self.metrics("serve", None, tail)
        shared = self.settings.data_dir / "metrics" / f"serve-{os.getpid()}"
        return MetricsServer(*endpoint, None, [tail], share_with_children(shared)).start()

    def listener_metrics(self, counts: Callable[[], dict[str, int]]) -> MetricsServer | None:
        """The MLLP listener's counts (messages, acknowledgements, rejections)."""
        family = "hub_mllp_messages", "What the A&E MLLP listener has done, by kind"
        return self.metrics("listen-ae", None, CountsCollector(*family, "kind", counts))

    def dead_letters(self, bootstrap_servers: str | None = None) -> list[DeadLetter]:
        """Every message the worker could not use, with its reason."""
        return read_dead_letters(
            bootstrap_servers or self.settings.kafka_bootstrap, self.settings.topics.dead_letter
        )

    def event_publisher(self, bootstrap_servers: str | None = None) -> EventPublisher:
        """The adapters' publisher (idempotent, with the ledger of what the cluster took)."""
        return EventPublisher(
            bootstrap_servers or self.settings.kafka_bootstrap,
            self.publish_ledger(),
            schemas_dir=self.settings.schemas_dir,
        )

    def stream_publisher(self, topic: str, bootstrap_servers: str | None = None) -> StreamPublisher:
        """One event at a time, returned once Kafka has it (the MLLP listener's publisher)."""
        return StreamPublisher(
            bootstrap_servers or self.settings.kafka_bootstrap,
            self.publish_ledger(),
            self.settings.topics.named(topic),
            schemas_dir=self.settings.schemas_dir,
        )

    def lookup(self, *, follow: bool = True) -> LookupParts:
        """A lookup service over the store, reading children from the lookup read model.

        ``follow``: keep the read model caught up in the background (a process that serves
        lookups); ``False`` for one that only brings it up to date for others to serve from.
        """
        app = self.application()
        audit = self.audit()
        views = LookupViews(app, self.settings.lookup_views_path, LOOKUP_ENTRY_KINDS)
        started = time.monotonic()
        applied = views.catch_up()  # the first lookup does not wait for a rebuild
        log.info(
            "lookup_views_caught_up", events=applied, seconds=round(time.monotonic() - started, 1)
        )
        if follow:
            views.follow()
        service = ChildLookupService(app, self.policy(), audit, self.directory(), views=views)
        return LookupParts(service, app, audit, views)

    def lookup_server(
        self,
        lookup: LookupParts,
        address: str,
        *,
        workers: int = 8,
        inbox: AlertParts | None = None,
        reuse_port: bool = False,
    ) -> tuple[LookupServer, int]:
        """The gRPC server (mutual TLS) for ``lookup``, and the alert inbox when given."""
        extra = [self.inbox(inbox)] if inbox is not None else []
        return create_server(
            address,
            lookup.service,
            ServerTls.in_directory(self.settings.certs_dir),
            workers=workers,
            extra_services=extra,
            reuse_port=reuse_port,
        )

    def access_relay(self, audit: AuditLog) -> AccessNotificationRelay:
        """Publishes the audit log's access-to-service records to Kafka."""
        settings = self.settings
        return AccessNotificationRelay(
            audit,
            settings.kafka_bootstrap,
            settings.access_relay_path,
            settings.topics.access_to_service,
            settings.schemas_dir,
        )

    def alerts(self, clock_now: datetime | None = None, clock_mode: str = "wall") -> AlertParts:
        """The alert side of the hub.

        Deadlines are judged by ``clock_now`` when given; else by the clock given to
        ``bootstrap``; else by the wall clock (``clock_mode="wall"``, for live service: a
        deadline passes even when no events arrive) or by event time (``"event"``: the
        latest ``recorded_at`` the raiser has seen, so replaying old data escalates as it
        would have at the time).
        """
        app = self.application()
        store = self.alert_store()
        audit = self.audit()
        given = self._clock

        def clock() -> datetime:
            if clock_now is not None:
                return clock_now
            if given is not None:
                return given()
            if clock_mode == "event":
                return datetime.fromtimestamp(store.position(WATERMARK), UTC)
            return datetime.now(UTC)

        return AlertParts(
            app, store, audit, self.raiser(app, store, audit, clock), self.directory()
        )

    def raiser(
        self, app: HubApplication, store: AlertStore, audit: AuditLog, clock: Clock | None = None
    ) -> AlertRaiser:
        """The raiser over these parts, with this system's reference data and settings."""
        settings = self.settings
        return assemble_raiser(
            app,
            store,
            audit,
            self.directory(),
            self.school_calendar(),
            policy=self.policy(),
            rules=self.alert_rules(),
            default_authority=settings.default_authority,
            postcode_areas=self.postcode_areas(),
            operator_email=settings.duty_operator_email,
            clock=clock or self._clock or (lambda: datetime.now(UTC)),
            max_age=timedelta(days=settings.alert_max_age_days),
        )

    def alert_publisher(self, alerts: AlertParts) -> AlertPublisher:
        """Publishes raised alerts from the alert store (the outbox) to Kafka."""
        return AlertPublisher(
            alerts.store,
            self.settings.kafka_bootstrap,
            self.settings.topics.alerts,
            self.settings.schemas_dir,
        )

    def inbox(self, alerts: AlertParts) -> ExtraService:
        """The practitioner's alert inbox, to serve beside the lookup."""
        return inbox_service(
            alerts.store, alerts.audit, alerts.directory, alerts.raiser.acknowledge
        )

    def console_parts(self, lookup: LookupParts, alerts: AlertParts) -> ConsoleParts:
        """The web console's services: the lookup's, the inbox's and the disclosure service."""
        audit, bound = lookup.audit, self.settings.audit_head_bound_s
        return ConsoleParts(
            lookup.service,
            self.disclosure(lookup.app, audit),
            lookup.app,
            alerts.store,
            alerts.raiser.acknowledge,
            audit,
            self.policy(),
            self.directory(),
            lambda: audit.verify(audit.public_key, bound_s=bound),
            self._clock or (lambda: datetime.now(UTC)),
            functools.cache(lambda: self.documents(lookup.app, audit)),
            functools.cache(lambda: self.mi(lookup.app, audit)),
            self.settings.mi_small_count,
        )

    def web_console(self, parts: ConsoleParts, identify: Identify) -> Starlette:
        """The console's ASGI app; its CSRF key is derived from the event-store key."""
        key = hmac.new(cipher_key(self.settings).encode(), b"hub/web-csrf/v1", hashlib.sha256)
        config = ConsoleConfig(key.digest(), self.settings.web_assets_dir)
        return create_console(parts, config, identify)

    def web_server(
        self, parts: ConsoleParts, address: str | None = None, *, reuse_port: bool = False
    ) -> tuple[WebServer, int]:
        """The console over HTTPS with client certificates (HUB_WEB_ADDRESS).

        ``reuse_port``: several server processes serve the one port (SO_REUSEPORT).
        """
        return create_web_server(
            address or self.settings.web_address,
            lambda registry: self.web_console(parts, registry_identify(registry)),
            ServerTls.in_directory(self.settings.certs_dir),
            handshake_refused(parts),
            reuse_port=reuse_port,
        )

    def mi(self, app: HubApplication, audit: AuditLog) -> MiService:
        """Management information (HUB_MI_REFERENCE): decided by the policy, each run audited."""
        if self._mi_reference is None:
            self._mi_reference = load_reference(self.settings.mi_reference)
        return assemble_mi(
            app,
            self.settings.alert_store_path,
            audit,
            self.policy(),
            self._mi_reference,
            self.school_calendar().is_school_day,
            self._clock or (lambda: datetime.now(UTC)),
            self.settings.local_time_zone,
        )

    def delivery(self) -> AlertDeliveryService:
        """Email and webhook delivery of published alerts (``consumers``)."""
        return AlertDeliveryService(delivery_config(self.settings), audit=self.audit())

    def delivery_ledger(self) -> DeliveryLedger:
        """What the delivery consumer did with each alert and channel."""
        return DeliveryLedger(self.settings.delivery_ledger_path)


def bootstrap(
    settings: Settings | None = None,
    *,
    in_memory: bool = False,
    policy: Policy | None = None,
    alert_rules: AlertRules | None = None,
    directory: OrganisationDirectory | None = None,
    postcode_areas: PostcodeAreas | None = None,
    calendar: SchoolCalendar | None = None,
    clock: Clock | None = None,
) -> System:
    """The hub's system from ``settings`` (default: the environment), with any fakes given."""
    return System(
        settings or Settings.from_env(),
        in_memory=in_memory,
        policy=policy,
        alert_rules=alert_rules,
        directory=directory,
        postcode_areas=postcode_areas,
        calendar=calendar,
        clock=clock,
    )
