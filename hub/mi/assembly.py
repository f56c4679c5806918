"""Builds the management-information service from the stores and reference data it reads.

The composition root (``hub.bootstrap``) calls ``assemble_mi`` with the hub application,
the alert store's path, the audit log, the policy, the reference data and the school
calendar; the web console and ``hub mi`` use the same service.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hub.alerts.store import AlertStore
from hub.audit.chain import AuditLog
from hub.mi.reference import MiReference
from hub.mi.service import MiService
from hub.mi.sources import EventStoreReader, Sources, read_sources
from hub.policy.model import Policy


def assemble_mi(
    app: EventStoreReader,
    alert_store_path: Path,
    audit: AuditLog,
    policy: Policy,
    reference: MiReference,
    is_school_day: Callable[[date], bool],
    clock: Callable[[], datetime],
    zone: ZoneInfo,
) -> MiService:
    """The service; each report reads the stores afresh (the alert store opened and closed)."""

    def read() -> Sources:
        store = AlertStore(alert_store_path)
        try:
            return read_sources(app, store)
        finally:
            store.close()

    return MiService(policy, audit, read, reference, is_school_day, clock, zone)
