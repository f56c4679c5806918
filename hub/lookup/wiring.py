"""Wire a lookup service from settings: the store (read-only use), policy, audit, directory."""

from __future__ import annotations

from dataclasses import dataclass

from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.audit.keys import audit_signing_key
from hub.bootstrap import build_application
from hub.config import Settings
from hub.lookup.organisations import load_directory
from hub.lookup.service import ChildLookupService
from hub.policy.loader import load_policy


@dataclass
class LookupParts:
    service: ChildLookupService
    app: HubApplication
    audit: AuditLog

    def close(self) -> None:
        self.audit.checkpoint()
        self.audit.close()
        self.app.close()


def open_audit(settings: Settings) -> AuditLog:
    return AuditLog(settings.audit_path, audit_signing_key(settings.data_dir / "keys"))


def build_lookup(settings: Settings) -> LookupParts:
    """A lookup service over the configured store (uncached: it sees the worker's writes)."""
    app = build_application(settings)
    audit = open_audit(settings)
    service = ChildLookupService(app, load_policy(), audit, load_directory(settings.data_dir))
    return LookupParts(service, app, audit)
