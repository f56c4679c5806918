"""Issuing documents: disclose through the policy, lay out, render, sign, record in the audit log.

Every document is a disclosure. Its entries come from ``DisclosureService`` (each one
decided by the policy for the recipient and audited, refusals included), and once the
PDF is signed a ``document-issued`` audit record names the document id, what it holds
(the event id and disclosure level of every entry shown, what was not disclosed and
why), and the SHA-256 of the exact file, which ``hub export verify`` checks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from hub.application.disclosure import DisclosedChronology, DisclosureService, disclosure_logs
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.documents import court_chronology, layout, reports
from hub.documents.court_chronology import STATUS_PREFIX, CourtChronology, Period
from hub.documents.furniture import Furniture, for_whom
from hub.documents.pdf import render_pdf
from hub.documents.signing import DocumentSigner
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient

log = structlog.get_logger(__name__)
ISSUED = "document-issued"
COURT_CHRONOLOGY = "court-chronology"
SUBJECT_ACCESS_REPORT = "subject-access-report"
SUBJECT_ACCESS = "subject-access"


@dataclass(frozen=True)
class IssuedDocument:
    document_id: str
    kind: str
    pdf: bytes
    sha256: str
    pages: int
    child_id: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A document laid out and its audit record, before it is rendered and signed."""

    furniture: Furniture
    html: str
    record: dict[str, Any]


class DocumentService:
    def __init__(
        self,
        app: HubApplication,
        disclosure: DisclosureService,
        audit: AuditLog,
        signer: DocumentSigner,
        issuer: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._app = app
        self._disclosure = disclosure
        self._audit = audit
        self._signer = signer
        self._issuer = issuer
        self._clock = clock

    # Court chronology --------------------------------------------------------------------

    def court_chronology(
        self, recipient: Recipient, purpose: str, child_key: str, period: Period
    ) -> IssuedDocument:
        """The child's chronology for ``recipient``, as a court would accept it, signed."""
        return self.issue(self.prepare_chronology(recipient, purpose, child_key, period))

    def prepare_chronology(
        self, recipient: Recipient, purpose: str, child_key: str, period: Period
    ) -> Prepared:
        """Disclose (decided and audited) and lay out; ``issue`` renders, signs and records."""
        child = self._child(recipient, purpose, child_key)
        view = self._disclosure.chronology_for(
            recipient, purpose, str(child.id), include=_in_period_or_status(period)
        )
        identity = self._disclosure.identity_for(recipient, purpose, child)
        doc = court_chronology.build(view, identity, period)
        furniture = self.furniture(COURT_CHRONOLOGY, "Multi-agency chronology", recipient, purpose)
        html = layout.page(furniture, layout.chronology_body(doc, self._issuer), landscape=True)
        return Prepared(furniture, html, chronology_record(furniture, view, doc, period))

    # Subject access ----------------------------------------------------------------------

    def subject_access_report(self, recipient: Recipient, child_key: str) -> IssuedDocument:
        """Everything held about the child and every disclosure and alert, as Article 15 asks."""
        return self.issue(self.prepare_subject_access(recipient, child_key))

    def prepare_subject_access(self, recipient: Recipient, child_key: str) -> Prepared:
        child = self._child(recipient, SUBJECT_ACCESS, child_key)
        log = disclosure_logs(self._audit, {str(child.id)})[str(child.id)]  # before this one
        view = self._disclosure.chronology_for(recipient, SUBJECT_ACCESS, str(child.id))
        identity = self._disclosure.identity_for(recipient, SUBJECT_ACCESS, child)
        doc = court_chronology.build(view, identity, Period(None, None))
        furniture = self.furniture(
            SUBJECT_ACCESS_REPORT, "Subject access response", recipient, SUBJECT_ACCESS
        )
        bases = sorted(self._disclosure.policy.lawful_bases.values())
        body = reports.subject_access_body(
            doc, view.entries, log, set(view.shown_ids), self._issuer, bases
        )
        record = chronology_record(furniture, view, doc, Period(None, None))
        record["log_records"] = [row["seq"] for row in log]
        return Prepared(furniture, layout.page(furniture, body, landscape=True), record)

    def _child(self, recipient: Recipient, purpose: str, child_key: str) -> Child:
        """The child, or ChildNotFoundError once the answer "no record held" is audited."""
        try:
            return self._app.find_child(child_key)
        except ChildNotFoundError:
            self._disclosure.chronology_for(recipient, purpose, child_key)  # audits the answer
            raise

    # Issuing -----------------------------------------------------------------------------

    def furniture(self, kind: str, title: str, recipient: Recipient, purpose: str) -> Furniture:
        return Furniture(
            document_id=str(uuid.uuid4()),
            kind=kind,
            title=title,
            generated_by=self._issuer,
            for_whom=for_whom(recipient, purpose),
            generated_at=self._clock(),
            policy_version=self._disclosure.policy_version,
        )

    def issue(self, prepared: Prepared) -> IssuedDocument:
        """Render, sign, and record the document id and the file's SHA-256 in the audit log."""
        pdf, pages = render_pdf(prepared.html)
        return self.record(prepared, self._signer.sign(pdf, prepared.furniture.title), pages)

    def record(self, prepared: Prepared, signed: bytes, pages: int) -> IssuedDocument:
        """Audit a signed document (rendered here or by a helper process)."""
        sha256 = hashlib.sha256(signed).hexdigest()
        furniture = prepared.furniture
        self._audit.append(
            ISSUED,
            [
                {
                    **prepared.record,
                    "sha256": sha256,
                    "bytes": len(signed),
                    "pages": pages,
                    "signer_certificate_sha256": self._signer.fingerprint,
                }
            ],
        )
        log.info(
            "document_issued",
            document_id=furniture.document_id,
            kind=furniture.kind,
            child_id=prepared.record.get("child_id"),
            pages=pages,
        )
        return IssuedDocument(
            furniture.document_id,
            furniture.kind,
            signed,
            sha256,
            pages,
            prepared.record.get("child_id"),
        )


def _in_period_or_status(period: Period) -> Callable[[ChronologyEntry], bool]:
    """Entries of the period, and every status entry (a band may start before the period)."""

    def include(entry: ChronologyEntry) -> bool:
        return entry.kind.startswith(STATUS_PREFIX) or period.covers(entry.occurred_at)

    return include


def base_record(furniture: Furniture) -> dict[str, Any]:
    return {
        "document_id": furniture.document_id,
        "document_kind": furniture.kind,
        "title": furniture.title,
        "generated_by": furniture.generated_by,
        "for": furniture.for_whom,
        "generated_at": furniture.generated_at.isoformat(),
        "policy_version": furniture.policy_version,
    }


def chronology_record(
    furniture: Furniture, view: DisclosedChronology, doc: CourtChronology, period: Period
) -> dict[str, Any]:
    """What went out: every entry shown (event id, level, what was held back), and counts."""
    shown = [
        {"event_id": event_id, "disclosure": entry["disclosure"], "held_back": held_back}
        for event_id, entry, held_back in zip(
            view.shown_ids, view.entries, view.held_back, strict=True
        )
    ]
    return {
        **base_record(furniture),
        "child_id": str(view.child_id),
        "identity_disclosed": "given_name" in doc.identity,
        "period": {
            "from": period.start.isoformat() if period.start else None,
            "to": period.end.isoformat() if period.end else None,
        },
        "entries_shown": shown,
        "rows": len(doc.rows),
        "bands": [[b.name, b.start, b.end] for b in doc.bands],
        "not_disclosed": dict(doc.not_disclosed),
    }
