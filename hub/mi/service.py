"""The door every management-information report passes: the policy, then the audit log.

A report is a disclosure of aggregate figures. The policy's
``[calls.management-information]`` says which roles may run reports, from which kinds of
organisation, for which purpose (``oversight``); a refused run is an ``access-refused``
record, as a refused view of the audit trail is. Every report run is an ``mi-report``
record: who, which report, the period and grouping, the format, whether it was complete
(and which sources were late or silent), the reference data's version, and the SHA-256
of its figures, so a later run of the same period can be shown to agree.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hub.application.oversight import TrailRefusedError, admit
from hub.audit.chain import AuditLog
from hub.mi.period import Period
from hub.mi.reference import MiReference
from hub.mi.report import Report
from hub.mi.reports import build_report
from hub.mi.sources import Sources
from hub.policy.engine import Recipient
from hub.policy.model import Policy

CALL = "management-information"
PURPOSE = "oversight"
MiRefusedError = TrailRefusedError


@dataclass(frozen=True)
class MiRequest:
    report: str
    period: Period
    by: str = "agency"
    output: str = "table"


class MiService:
    """Runs reports for a viewer the policy admits, and records each run."""

    def __init__(
        self,
        policy: Policy,
        audit: AuditLog,
        read_sources: Callable[[], Sources],
        reference: MiReference,
        is_school_day: Callable[[date], bool],
        clock: Callable[[], datetime],
        zone: ZoneInfo,
    ) -> None:
        self.zone = zone  # the local area's: a period's days start at its midnight
        self.policy = policy
        self.audit = audit
        self._read = read_sources
        self.reference = reference
        self._is_school_day = is_school_day
        self._clock = clock

    def today(self) -> date:
        """Today's date in the local area: the default period ends the day before."""
        return self._clock().astimezone(self.zone).date()

    def run(self, viewer: Recipient, request: MiRequest, peer: str = "command line") -> Report:
        """The report, if the policy lets ``viewer`` run it (else ``MiRefusedError``)."""
        admit(self.policy, self.audit, viewer, PURPOSE, CALL, peer)
        report = build_report(
            request.report,
            self._read(),
            self.reference,
            request.period,
            request.by,
            self._is_school_day,
            self._clock(),
        )
        self.audit.append("mi-report", [self._record(viewer, request, report, peer)])
        return report

    def _record(
        self, viewer: Recipient, request: MiRequest, report: Report, peer: str
    ) -> dict[str, object]:
        figures = json.dumps([t.as_record() for t in report.tables], sort_keys=True)
        return {
            "viewer": viewer.as_record(),
            "view": f"mi:{request.report}",
            "peer": peer,
            "purpose": PURPOSE,
            "period": request.period.as_record(),
            "by": request.by,
            "format": request.output,
            "complete": report.complete,
            "late_or_silent": [s.label for s in report.completeness.missing],
            "figures_sha256": hashlib.sha256(figures.encode()).hexdigest(),
            "reference_version": self.reference.version,
            "policy_version": self.policy.version,
        }
