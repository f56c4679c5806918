"""Is this PDF a document the hub issued, unaltered? The signature and the audit log say.

A genuine document has exactly one signature, intact and over the whole file, by a
certificate the hub's CA issued; and the audit log holds a ``document-issued`` record
with the document id printed on its pages and the SHA-256 of these exact bytes. A file
changed by a single byte fails both; one re-signed with another key fails the first.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from typing import Any

from pyhanko.pdf_utils.reader import PdfFileReader

from hub.audit.chain import AuditLog
from hub.documents.service import ISSUED
from hub.documents.signing import check_signature

DOCUMENT_ID_KEY = "/hubdocumentid"  # WeasyPrint keeps letters and digits of a <meta> name


@dataclass(frozen=True)
class Verdict:
    genuine: bool
    sha256: str
    document_id: str | None
    problems: list[str] = field(default_factory=list)
    record: dict[str, Any] | None = None  # the audit record of its issue
    seq: int | None = None


def document_id_of(pdf: bytes) -> str | None:
    """The document id the hub wrote into the PDF's document information, if readable."""
    try:
        info = PdfFileReader(io.BytesIO(pdf), strict=False).trailer_view.get("/Info")
        value = info.get_object().get(DOCUMENT_ID_KEY) if info is not None else None
    except Exception:  # a damaged file has no id we can trust; the signature check says why
        return None
    return str(value) if value is not None else None


def verify_document(pdf: bytes, audit: AuditLog, trust_root: Any) -> Verdict:
    """The verdict on ``pdf``: genuine only if the signature and the audit log both agree."""
    sha256 = hashlib.sha256(pdf).hexdigest()
    document_id = document_id_of(pdf)
    problems = list(check_signature(pdf, trust_root).problems)
    issued = [r for r in audit.records(ISSUED)]
    by_hash = next((r for r in issued if r.payload.get("sha256") == sha256), None)
    by_id = next((r for r in issued if r.payload.get("document_id") == document_id), None)
    found = by_hash or by_id
    if by_hash is None:
        if by_id is None:
            problems.append("the audit log records no document with this id or content")
        else:
            problems.append(
                f"the file differs from document {document_id} as issued "
                f"(SHA-256 {sha256[:16]}... against {str(by_id.payload['sha256'])[:16]}...)"
            )
    elif document_id is not None and by_hash.payload.get("document_id") != document_id:
        problems.append("the document id in the file is not the one issued with this content")
    return Verdict(
        genuine=not problems,
        sha256=sha256,
        document_id=document_id,
        problems=problems,
        record=found.payload if found else None,
        seq=found.seq if found else None,
    )
