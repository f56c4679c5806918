"""PAdES signatures on the hub's PDFs (pyHanko), and checking one.

The hub signs with its document-signing certificate (``hub.access.certs``), issued by
the hub's own CA; a signature counts only if it is intact, covers the whole file and
chains to that CA. Whether the file is the one the hub issued (its SHA-256 in the audit
log) is checked by the caller (``hub.documents.verify``).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asn1crypto import x509 as asn1_x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from hub.access.certs import CA_NAME, DOCUMENT_SIGNER_NAME, issue_document_signer

FIELD_NAME = "HubSignature"


@dataclass(frozen=True)
class SignatureCheck:
    ok: bool
    problems: tuple[str, ...]
    signer: str = ""
    signed_at: str = ""


class DocumentSigner:
    """Signs PDFs with the document-signing key in ``certs_dir`` (issued on first use)."""

    def __init__(self, certs_dir: Path) -> None:
        cert = certs_dir / f"{DOCUMENT_SIGNER_NAME}.pem"
        if not cert.exists():
            issue_document_signer(certs_dir)
        self._signer = signers.SimpleSigner.load(
            key_file=str(certs_dir / f"{DOCUMENT_SIGNER_NAME}.key"),
            cert_file=str(cert),
            ca_chain_files=(str(certs_dir / f"{CA_NAME}.pem"),),
        )
        if self._signer is None:
            raise ValueError(f"cannot load the document-signing key from {certs_dir}")
        signing_cert: asn1_x509.Certificate = self._signer.signing_cert
        self.fingerprint: str = signing_cert.sha256.hex()

    def sign(self, pdf: bytes, reason: str, field_name: str = FIELD_NAME) -> bytes:
        """``pdf`` with a PAdES baseline signature over the whole file (an incremental update)."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        metadata = signers.PdfSignatureMetadata(
            field_name=field_name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
        )
        out = signers.sign_pdf(writer, metadata, signer=self._signer)
        signed: bytes = out.getvalue()
        return signed


def trust_root(certs_dir: Path) -> Any:
    """The hub's CA certificate, the only root a document signature may chain to."""
    return load_cert_from_pemder(str(certs_dir / f"{CA_NAME}.pem"))


def check_signature(pdf: bytes, root: Any) -> SignatureCheck:
    """One signature, intact, over the entire file, by a certificate the hub's CA issued."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as error:  # a damaged file is a failed check, whatever broke in parsing
        return SignatureCheck(False, (f"not a readable PDF: {error}",))
    if len(signatures) != 1:
        return SignatureCheck(False, (f"{len(signatures)} signatures; the hub signs once",))
    signature = signatures[0]
    try:
        status = validate_pdf_signature(signature, ValidationContext(trust_roots=[root]))
    except Exception as error:
        return SignatureCheck(False, (f"the signature cannot be validated: {error}",))
    problems = []
    if not status.intact:
        problems.append("the signed content has changed since it was signed")
    if not status.valid:
        problems.append("the signature value is not valid")
    if not status.trusted:
        problems.append("the signer's certificate is not issued by this hub's CA")
    if status.coverage is None or status.coverage.name != "ENTIRE_FILE":
        problems.append("the signature does not cover the whole file")
    signer = status.signing_cert.subject.human_friendly if status.signing_cert else ""
    signed_at = status.signer_reported_dt.isoformat() if status.signer_reported_dt else ""
    return SignatureCheck(not problems, tuple(problems), signer, signed_at)
