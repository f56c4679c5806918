"""HTML to PDF with WeasyPrint: tagged (PDF/UA structure), titled, in English, fonts embedded.

The stylesheet and the font configuration are parsed once per process and shared by
every document it renders (a case-review bundle renders hundreds).
"""

from __future__ import annotations

import functools
from importlib.resources import files
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration


@functools.cache
def _shared() -> tuple[Any, Any]:
    fonts = FontConfiguration()
    css = files("hub.documents").joinpath("style.css").read_text(encoding="utf-8")
    return CSS(string=css, font_config=fonts), fonts


def render_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` and its number of pages.

    The ``<title>`` and ``lang`` become the PDF's title and language; ``<meta>`` names of
    the hub's own (``hub-document-id``) go into its document information.
    """
    stylesheet, fonts = _shared()
    document = HTML(string=html).render(
        stylesheets=[stylesheet],
        font_config=fonts,
        pdf_tags=True,  # tagged: headings, tables and their header cells for screen readers
        custom_metadata=True,
    )
    pdf: bytes = document.write_pdf(pdf_tags=True, custom_metadata=True)
    return pdf, len(document.pages)
