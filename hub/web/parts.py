"""What the web console's pages are built from: the services the gRPC lookup and inbox use.

The composition root (``hub.bootstrap``) fills ``ConsoleParts`` with the same
lookup service, disclosure service, alert store, acknowledgement and audit log
as the gRPC server, so a page is decided and audited exactly as a lookup is;
``documents`` gives the same ``DocumentService`` as ``hub export`` and ``hub sar``
(made on first use: PDF rendering and signing load only when a document is asked for);
``mi`` the same management-information service as ``hub mi``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from hub.access.organisations import OrganisationDirectory
from hub.alerts.store import Alert, AlertStore
from hub.application.disclosure import DisclosureService
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.audit.verification import VerifyResult
from hub.lookup.service import ChildLookupService
from hub.mi.service import MiService
from hub.policy.model import Policy

if TYPE_CHECKING:
    from hub.documents.service import DocumentService


class Acknowledge(Protocol):
    """The raiser's acknowledgement: once per alert, audited with the outcome and note."""

    def __call__(self, alert_id: str, by: str, outcome: str = "", note: str = "") -> Alert: ...


@dataclass
class ConsoleParts:
    lookup: ChildLookupService
    disclosure: DisclosureService
    app: HubApplication
    alerts: AlertStore
    acknowledge: Acknowledge
    audit: AuditLog
    policy: Policy
    directory: OrganisationDirectory
    verify_audit: Callable[[], VerifyResult]
    clock: Callable[[], datetime]
    documents: Callable[[], DocumentService]
    mi: Callable[[], MiService]
    mi_small_count: int = 0


@dataclass(frozen=True)
class ConsoleConfig:
    """The console's own settings: its CSRF key, GOV.UK Frontend's assets, its name."""

    csrf_key: bytes
    assets_dir: Path
    service_name: str = "Safeguarding information hub"
