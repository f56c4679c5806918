"""Server-side timing for the lookup benchmark: the real lookup service and audit log, timed."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hub.access.certs import CertifiedIdentity
from hub.audit.chain import AuditLog, AuditRecord
from hub.audit.keys import configured_signing_key
from hub.config import Settings
from hub.lookup.answer import LookupAnswer
from hub.lookup.service import ChildLookupService, LookupQuery


class Timings:
    """Durations (seconds) recorded from many threads; ``take`` empties it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: list[float] = []

    def add(self, seconds: float) -> None:
        with self._lock:
            self._values.append(seconds)

    def take(self) -> list[float]:
        with self._lock:
            values, self._values = self._values, []
        return values


class TimedAuditLog(AuditLog):
    """The real audit log; each append (lock wait, inserts, commit and fsync) is timed."""

    def __init__(self, path: Path, settings: Settings) -> None:
        super().__init__(
            path, configured_signing_key(settings.audit_signing_key, settings.data_dir)
        )
        self.timings = Timings()

    def append_batch(
        self,
        items: Sequence[tuple[str, dict[str, Any]]],
        keys: Sequence[str | None] | None = None,
    ) -> list[AuditRecord]:
        started = time.perf_counter()
        try:
            return super().append_batch(items, keys)
        finally:
            self.timings.add(time.perf_counter() - started)


class TimedLookupService(ChildLookupService):
    """The real lookup service; each ``lookup`` (audit append included) is timed."""

    timings: Timings

    def lookup(
        self,
        identity: CertifiedIdentity | None,
        query: LookupQuery,
        peer: str = "",
        certificate_pem: bytes | None = None,
    ) -> LookupAnswer:
        started = time.perf_counter()
        try:
            return super().lookup(identity, query, peer, certificate_pem)
        finally:
            self.timings.add(time.perf_counter() - started)
