"""A signed document as a download: the PDF ``DocumentService`` issued, never cached.

The console's downloads are made by the same ``DocumentService`` as ``hub export
chronology`` and ``hub sar --format pdf`` (``ConsoleParts.documents``), so a download is
disclosed, rendered, signed and recorded (``document-issued``, with its SHA-256)
exactly as the command line's file is. The file is named by its document id only:
nothing about the child is in its name. ``SecurityHeaders`` marks it ``no-store``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

if TYPE_CHECKING:
    from hub.documents.service import IssuedDocument


def pdf_download(issued: IssuedDocument) -> Response:
    """The signed PDF as an attachment named by its kind and document id."""
    name = f"{issued.kind}-{issued.document_id}.pdf"
    return Response(
        issued.pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
