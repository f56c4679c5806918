"""A lookup service together with what it holds open, closed in the right order."""

from __future__ import annotations

from dataclasses import dataclass

from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.lookup.service import ChildLookupService
from hub.lookup.views import LookupViews


@dataclass
class LookupParts:
    """A lookup service and what it holds open: the application, audit log and read model."""

    service: ChildLookupService
    app: HubApplication
    audit: AuditLog
    views: LookupViews

    def close(self) -> None:
        self.audit.checkpoint()
        self.audit.close()
        self.views.close()
        self.app.close()
