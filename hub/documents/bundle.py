"""A case-review bundle: every case of an authority, each child's chronology and disclosure log.

For an inspection at a day's notice or a serious case review. Each child's document is
the court chronology for the reviewing recipient followed by the disclosure log of
everything recorded about the child (who received what, when, why); an index PDF
counts the cases and lists every document with its id and SHA-256. Every document is
decided, signed and audited like any other (``DocumentService``).

Disclosure and auditing happen here, in order; rendering and signing, the slow part,
run in helper processes (``processes``), which receive finished HTML and return signed
bytes, so they never see the store or the audit log.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

from hub.application.disclosure import disclosure_logs
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.documents import layout, reports
from hub.documents.court_chronology import Period
from hub.documents.layout import e, facts, grid
from hub.documents.pdf import render_pdf
from hub.documents.service import DocumentService, IssuedDocument, Prepared
from hub.policy.engine import Recipient

CASE_REVIEW_CHILD = "case-review-child"
CASE_REVIEW_INDEX = "case-review-index"
Progress = Callable[[int, int], None]


class Sink(Protocol):
    def write(self, name: str, data: bytes) -> None: ...

    def close(self) -> None: ...


class DirectorySink:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self._path = path

    def write(self, name: str, data: bytes) -> None:
        (self._path / name).write_bytes(data)

    def close(self) -> None:
        pass


class ZipSink:
    """PDFs are compressed already: stored, not deflated again."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED)

    def write(self, name: str, data: bytes) -> None:
        self._zip.writestr(name, data)

    def close(self) -> None:
        self._zip.close()


def sink_for(path: Path) -> Sink:
    return ZipSink(path) if path.suffix.lower() == ".zip" else DirectorySink(path)


@dataclass
class Case:
    child_id: str
    on_plan: bool
    looked_after: bool
    open_alerts: int = 0


@dataclass
class BundleSummary:
    authority: str
    cases: list[Case]
    documents: list[tuple[Case, IssuedDocument, dict[str, Any]]] = field(default_factory=list)
    index: IssuedDocument | None = None


def select_cases(
    app: HubApplication, authority: str, open_alerts: dict[str, int], *, open_only: bool
) -> list[Case]:
    """The authority's children (its plans and care, and its open alerts), or only open cases."""
    cases = []
    for child_id in app.all_child_ids():
        child = app.get_child(child_id)
        alerts = open_alerts.get(str(child_id), 0)
        ours = (child.responsible_authority or {}).get("code") == authority
        is_open = (ours and (child.on_plan or child.looked_after)) or alerts > 0
        if is_open or (ours and not open_only):
            cases.append(Case(str(child_id), child.on_plan, child.looked_after, alerts))
    return cases


_SIGNER: Any = None


def _render_and_sign(html: str, title: str, certs_dir: str) -> tuple[bytes, int]:
    """In a helper process: render, then sign with the hub's document key (loaded once)."""
    global _SIGNER
    if _SIGNER is None:
        from hub.documents.signing import DocumentSigner

        _SIGNER = DocumentSigner(Path(certs_dir))
    pdf, pages = render_pdf(html)
    signed: bytes = _SIGNER.sign(pdf, title)
    return signed, pages


class BundleBuilder:
    def __init__(
        self,
        app: HubApplication,
        audit: AuditLog,
        documents: DocumentService,
        certs_dir: Path,
        processes: int,
    ) -> None:
        self._app = app
        self._audit = audit
        self._documents = documents
        self._certs_dir = certs_dir
        self._processes = processes

    def build(
        self,
        authority: str,
        cases: list[Case],
        recipient: Recipient,
        purpose: str,
        period: Period,
        sink: Sink,
        progress: Progress | None = None,
    ) -> BundleSummary:
        summary = BundleSummary(authority, cases)
        logs = disclosure_logs(self._audit, {case.child_id for case in cases})
        prepared = (
            (case, self._prepare(case, recipient, purpose, period, logs[case.child_id]))
            for case in cases
        )
        for case, issued, record in self._issue_all(prepared):
            sink.write(file_name(case), issued.pdf)
            summary.documents.append((case, issued, record))
            if progress is not None:
                progress(len(summary.documents), len(cases))
        index = self._index(summary, recipient, purpose, period)
        summary.index = self._documents.issue(index)
        sink.write("index.pdf", summary.index.pdf)
        return summary

    def _prepare(
        self,
        case: Case,
        recipient: Recipient,
        purpose: str,
        period: Period,
        log: list[dict[str, Any]],
    ) -> Prepared:
        chronology = self._documents.prepare_chronology(recipient, purpose, case.child_id, period)
        shown = {item["event_id"] for item in chronology.record["entries_shown"]}
        log_html = '<h2 style="break-before: page">Disclosure log</h2>' + reports.disclosure_log(
            log, shown, name_recipients=True
        )
        html = chronology.html.replace("</main>", log_html + "</main>")
        furniture = replace(chronology.furniture, kind=CASE_REVIEW_CHILD)
        record = {**chronology.record, "document_kind": CASE_REVIEW_CHILD}
        record["log_records"] = [row["seq"] for row in log]
        return Prepared(furniture, html, record)

    def _issue_all(
        self, prepared: Iterable[tuple[Case, Prepared]]
    ) -> Iterable[tuple[Case, IssuedDocument, dict[str, Any]]]:
        """Issue in order; rendering and signing overlap in helper processes."""
        if self._processes <= 0:
            for case, item in prepared:
                yield case, self._documents.issue(item), item.record
            return
        context = get_context("spawn")  # helpers share nothing with this process's stores
        with ProcessPoolExecutor(self._processes, mp_context=context) as pool:
            pending: list[tuple[Case, Prepared, Future[tuple[bytes, int]]]] = []
            for case, item in prepared:
                future = pool.submit(
                    _render_and_sign, item.html, item.furniture.title, str(self._certs_dir)
                )
                pending.append((case, item, future))
                while len(pending) > 2 * self._processes:
                    yield self._recorded(*pending.pop(0))
            while pending:
                yield self._recorded(*pending.pop(0))

    def _recorded(
        self, case: Case, item: Prepared, future: Future[tuple[bytes, int]]
    ) -> tuple[Case, IssuedDocument, dict[str, Any]]:
        signed, pages = future.result()
        return case, self._documents.record(item, signed, pages), item.record

    def _index(
        self, summary: BundleSummary, recipient: Recipient, purpose: str, period: Period
    ) -> Prepared:
        furniture = self._documents.furniture(
            CASE_REVIEW_INDEX, f"Case-review bundle: {summary.authority}", recipient, purpose
        )
        rows = []
        for case, issued, record in summary.documents:
            status = ", ".join(
                name
                for name, on in (("CP plan", case.on_plan), ("looked after", case.looked_after))
                if on
            )
            rows.append(
                "<tr>"
                + "".join(
                    f"<td>{e(v)}</td>"
                    for v in (
                        case.child_id,
                        status or "-",
                        case.open_alerts,
                        record["rows"],
                        sum(record["not_disclosed"].values()),
                        issued.document_id,
                        issued.sha256[:16],
                    )
                )
                + "</tr>"
            )
        cases = summary.cases
        body = (
            f"<h1>Case-review bundle: {e(summary.authority)}</h1>"
            + facts(
                [
                    ("Authority", summary.authority),
                    ("Period", period.text),
                    ("Children", len(cases)),
                    ("On a child protection plan", sum(c.on_plan for c in cases)),
                    ("Looked after", sum(c.looked_after for c in cases)),
                    ("Dual plans", sum(c.on_plan and c.looked_after for c in cases)),
                    ("With open alerts", sum(c.open_alerts > 0 for c in cases)),
                    ("Entries shown", sum(r["rows"] for _, _, r in summary.documents)),
                    (
                        "Entries not disclosed",
                        sum(sum(r["not_disclosed"].values()) for _, _, r in summary.documents),
                    ),
                ]
            )
            + '<p class="notice">Each child\'s document, <code>child-&lt;hub child id&gt;.pdf'
            "</code>, holds the chronology for this recipient and the disclosure log. Each is "
            "signed; its id and SHA-256 (below, first 16 hex digits) are in the hub's audit "
            "log: <code>hub export verify FILE</code>.</p>"
            + "<h2>Documents</h2>"
            + grid(
                [
                    "Hub child id",
                    "Status",
                    "Open alerts",
                    "Entries",
                    "Not disclosed",
                    "Document id",
                    "SHA-256",
                ],
                rows,
                ["27%", "10%", "8%", "8%", "10%", "23%", "14%"],
            )
        )
        record = {
            "document_id": furniture.document_id,
            "document_kind": CASE_REVIEW_INDEX,
            "authority": summary.authority,
            "children": len(cases),
            "documents": {issued.document_id: issued.sha256 for _, issued, _ in summary.documents},
            "generated_at": furniture.generated_at.isoformat(),
            "for": furniture.for_whom,
            "title": furniture.title,
            "generated_by": furniture.generated_by,
            "policy_version": furniture.policy_version,
        }
        return Prepared(furniture, layout.page(furniture, body, landscape=True), record)


def file_name(case: Case) -> str:
    return f"child-{case.child_id}.pdf"
