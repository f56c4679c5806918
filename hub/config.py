"""Settings from environment variables with safe defaults (documented in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Settings:
    """Where the hub's data lives and how it reaches Kafka."""

    data_dir: Path
    kafka_bootstrap: str
    database_url: str | None = None
    consumer_group: str = "safeguarding-hub"
    batch_size: int = 2000
    decode_processes: int = 1
    aggregate_cache_size: int = 500_000
    lookup_address: str = "127.0.0.1:50051"
    certs_dir_override: Path | None = None
    lookup_user: str = "ae-desk"
    audit_signing_key: Path | None = None
    audit_witness_file: Path | None = None
    audit_head_bound_s: float = 1.0
    audit_key_fingerprint: str | None = None

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(os.environ.get("HUB_DATA_DIR", REPO_ROOT / ".data"))
        port = os.environ.get("HUB_KAFKA_PORT", "9092")
        bootstrap = os.environ.get("HUB_KAFKA_BOOTSTRAP", f"127.0.0.1:{port}")
        return cls(
            data_dir=data_dir,
            kafka_bootstrap=bootstrap,
            database_url=os.environ.get("HUB_DATABASE_URL") or None,
            consumer_group=os.environ.get("HUB_CONSUMER_GROUP", "safeguarding-hub"),
            batch_size=int(os.environ.get("HUB_BATCH_SIZE", "2000")),
            decode_processes=int(os.environ.get("HUB_DECODE_PROCESSES", "1")),
            aggregate_cache_size=int(os.environ.get("HUB_AGGREGATE_CACHE_SIZE", "500000")),
            lookup_address=os.environ.get("HUB_LOOKUP_ADDRESS", "127.0.0.1:50051"),
            certs_dir_override=Path(os.environ["HUB_CERTS_DIR"])
            if os.environ.get("HUB_CERTS_DIR")
            else None,
            lookup_user=os.environ.get("HUB_LOOKUP_USER", "ae-desk"),
            audit_signing_key=_optional_path("HUB_AUDIT_SIGNING_KEY"),
            audit_witness_file=_optional_path("HUB_AUDIT_WITNESS_FILE"),
            audit_head_bound_s=float(os.environ.get("HUB_AUDIT_HEAD_BOUND_SECONDS", "1")),
            audit_key_fingerprint=os.environ.get("HUB_AUDIT_KEY_FINGERPRINT") or None,
        )

    @property
    def certs_dir(self) -> Path:
        """The lookup service's CA, server and client certificates (HUB_CERTS_DIR)."""
        return self.certs_dir_override or self.data_dir / "certs"

    @property
    def lookup_views_path(self) -> Path:
        """The lookup's read model (derived from the event store; rebuilt if deleted)."""
        return self.data_dir / "lookup-views.sqlite"

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


def _optional_path(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value) if value else None
