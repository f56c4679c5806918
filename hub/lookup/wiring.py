"""Wire a lookup service from settings: the store (read-only use), policy, audit, directory."""

from __future__ import annotations

import time
from dataclasses import dataclass

import structlog

from hub.access.organisations import load_directory
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.audit.opening import open_audit_log
from hub.bootstrap import build_application
from hub.config import Settings
from hub.lookup.service import LOOKUP_ENTRY_KINDS, ChildLookupService
from hub.lookup.views import LookupViews
from hub.policy.loader import load_policy

log = structlog.get_logger(__name__)


@dataclass
class LookupParts:
    service: ChildLookupService
    app: HubApplication
    audit: AuditLog
    views: LookupViews

    def close(self) -> None:
        self.audit.checkpoint()
        self.audit.close()
        self.views.close()
        self.app.close()


def open_audit(settings: Settings) -> AuditLog:
    return open_audit_log(settings)


def build_lookup(settings: Settings, *, follow: bool = True) -> LookupParts:
    """A lookup service over the configured store, reading children from the lookup read model.

    ``follow``: keep the read model caught up in the background (a process that serves
    lookups); ``False`` for one that only brings it up to date for others to serve from.
    """
    app = build_application(settings)
    audit = open_audit(settings)
    views = LookupViews(app, settings.lookup_views_path, LOOKUP_ENTRY_KINDS)
    started = time.monotonic()
    applied = views.catch_up()  # the first lookup does not wait for a rebuild of the read model
    log.info("lookup_views_caught_up", events=applied, seconds=round(time.monotonic() - started, 1))
    if follow:
        views.follow()
    service = ChildLookupService(
        app, load_policy(), audit, load_directory(settings.data_dir), views=views
    )
    return LookupParts(service, app, audit, views)
