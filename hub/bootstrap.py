"""One place that wires the hub: settings -> event store environment -> application.

Storage is SQLite (a file under the data directory) unless ``HUB_DATABASE_URL``
names PostgreSQL. Event payloads are encrypted with AES-GCM (not compressed:
they are small, and compressing cost more than it saved);
the key comes from ``HUB_CIPHER_KEY`` or, for demos, from a key file generated
once under the data directory.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import IntegrityError

from hub.application.hub_app import HubApplication
from hub.config import Settings
from hub.domain.indexes import IndexIds
from hub.eventstore import protocol_checks
from hub.eventstore.sqlite_store import WAL_AUTOCHECKPOINT, WORKER_WAL_AUTOCHECKPOINT_PAGES
from hub.ingest.decoding import FactCodec
from hub.keyfiles import write_once

STARTUP_ATTEMPTS = 5


def cipher_key(settings: Settings) -> str:
    """The event-store key: from configuration, or a generated demo key file (mode 0600)."""
    configured = os.environ.get("HUB_CIPHER_KEY")
    if configured:
        return configured
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
    if url and url.startswith(("postgres://", "postgresql://")):
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
        path = Path(url.removeprefix("sqlite:///")) if url else settings.data_dir / "hub.sqlite"
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


def build_application(settings: Settings | None = None, *, worker: bool = False) -> HubApplication:
    settings = settings or Settings.from_env()
    protocol_checks.install()
    codec = FactCodec()
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            return HubApplication(
                env=store_env(settings, worker=worker),
                decode_fact=codec.decode_fact,
                index_ids=IndexIds(index_key(cipher_key(settings))),
            )
        except IntegrityError:
            # Two processes started on an empty store (the worker and the alert raiser,
            # say) both create its tables; the loser finds them made and tries again.
            if attempt == STARTUP_ATTEMPTS:
                raise
            time.sleep(0.2 * attempt)
    raise AssertionError("unreachable")
