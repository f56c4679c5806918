"""``hub export``: documents to hand over (court chronology, case-review bundle) and checking one.

Each document is a disclosure to the recipient named with ``--as-role`` and the options
beside it, decided by the sharing policy entry by entry and audited, then signed; its
id and SHA-256 are in the audit log, which ``hub export verify`` consults.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from hub.bootstrap import System
from hub.cli.identifiers import identifier_key
from hub.documents.court_chronology import Period, last_two_years
from hub.domain.errors import ChildNotFoundError
from hub.policy.engine import Recipient


def register(subparsers: Any) -> None:
    export = subparsers.add_parser("export", help="signed PDF documents for a court or a review")
    which = export.add_subparsers(dest="export", required=True)

    chronology = which.add_parser(
        "chronology", help="a child's court chronology (Public Law Outline) as a signed PDF"
    )
    chronology.add_argument("child", help="NHS number, UPN, or hub child id")
    chronology.add_argument("--format", choices=["pdf"], default="pdf")
    add_recipient_arguments(chronology, role_required=True)
    period = chronology.add_mutually_exclusive_group()
    period.add_argument("--all", action="store_true", help="every entry, not the last two years")
    period.add_argument("--from", dest="start", type=date.fromisoformat, help="first day (ISO)")
    chronology.add_argument("--to", dest="end", type=date.fromisoformat, help="last day (ISO)")
    chronology.add_argument("-o", "--output", type=Path, required=True, help="the PDF to write")
    chronology.set_defaults(func=run_chronology)

    bundle = which.add_parser(
        "bundle", help="every case of an authority: chronologies, disclosure logs, an index"
    )
    bundle.add_argument("--authority", required=True, help="local authority code")
    bundle.add_argument(
        "--open-cases",
        action="store_true",
        help="only children on a plan, looked after or with open alerts in the period",
    )
    add_recipient_arguments(bundle, role_required=False)
    bundle.set_defaults(
        as_role="social-worker",
        relationship="responsible-authority",
        recipient="case-review",
        organisation=None,
        organisation_type="local-authority",
    )
    bundle_period = bundle.add_mutually_exclusive_group()
    bundle_period.add_argument("--all", action="store_true", help="every entry of each child")
    bundle_period.add_argument("--from", dest="start", type=date.fromisoformat)
    bundle.add_argument("--to", dest="end", type=date.fromisoformat)
    bundle.add_argument(
        "--processes", type=int, default=2, help="helper processes rendering (0: none)"
    )
    bundle.add_argument("-o", "--output", type=Path, required=True, help="a directory or FILE.zip")
    bundle.set_defaults(func=run_bundle)

    verify = which.add_parser("verify", help="is this PDF a document the hub issued, unaltered?")
    verify.add_argument("file", type=Path)
    verify.set_defaults(func=run_verify)


def add_recipient_arguments(parser: argparse.ArgumentParser, *, role_required: bool) -> None:
    """Who receives the document, as the sharing policy knows them."""
    parser.add_argument("--as-role", required=role_required, help="the recipient's role")
    parser.add_argument("--relationship", default="none", help="recipient's relationship")
    parser.add_argument("--purpose", default="safeguarding", help="purpose of the disclosure")
    parser.add_argument("--recipient", default="court", help="recipient identity")
    parser.add_argument("--organisation", default="hub", help="recipient organisation")
    parser.add_argument("--organisation-type", default="hub", help="recipient organisation type")


def recipient_of(args: argparse.Namespace) -> Recipient:
    return Recipient(
        id=args.recipient,
        role=args.as_role,
        organisation=args.organisation,
        organisation_type=args.organisation_type,
        relationship=args.relationship,
    )


def chosen_period(args: argparse.Namespace, today: date) -> Period:
    if args.all:
        return Period(None, args.end)
    if args.start is not None:
        return Period(args.start, args.end)
    default = last_two_years(today)
    return Period(default.start, args.end)


def write_file(path: Path, data: bytes) -> None:
    """Written whole or not at all (a half-written PDF is never left behind)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    partial.replace(path)


def run_chronology(args: argparse.Namespace, system: System) -> int:
    app = system.application()
    audit = system.audit()
    try:
        documents = system.documents(app, audit)
        period = chosen_period(args, datetime.now(UTC).date())
        issued = documents.court_chronology(
            recipient_of(args), args.purpose, identifier_key(args.child), period
        )
    except ChildNotFoundError:
        print(f"no record held for {args.child} (this does not mean there is no concern)")
        return 2
    finally:
        audit.close()
        app.close()
    write_file(args.output, issued.pdf)
    print(
        f"wrote {args.output}: court chronology, {issued.pages} pages, document "
        f"{issued.document_id}, SHA-256 {issued.sha256}"
    )
    return 0


def run_bundle(args: argparse.Namespace, system: System) -> int:
    from hub.documents.bundle import select_cases, sink_for

    args.organisation = args.organisation or args.authority
    period = chosen_period(args, datetime.now(UTC).date())
    since = period.start.isoformat() if period.start else ""
    open_alerts = system.open_alerts_by_child(args.authority, since)
    app = system.application()
    audit = system.audit()
    sink = sink_for(args.output)
    try:
        cases = select_cases(app, args.authority, open_alerts, open_only=args.open_cases)
        builder = system.case_review(app, audit, args.processes)
        bar = ProgressBar(sys.stderr) if sys.stderr.isatty() else None
        summary = builder.build(
            args.authority,
            cases,
            recipient_of(args),
            args.purpose,
            period,
            sink,
            bar.show if bar else None,
        )
        if bar:
            bar.done()
    finally:
        sink.close()
        audit.close()
        app.close()
    index = summary.index
    assert index is not None
    print(
        f"wrote {args.output}: {len(summary.documents)} children's documents and index.pdf "
        f"(document {index.document_id}, SHA-256 {index.sha256})"
    )
    return 0


class ProgressBar:
    """``[#####.....] 123/1000 children, 12.3/s`` on one terminal line."""

    WIDTH = 30

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._started = time.monotonic()

    def show(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // max(total, 1)
        rate = done / max(time.monotonic() - self._started, 1e-6)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        self._stream.write(f"\r[{bar}] {done}/{total} children, {rate:.1f}/s")
        self._stream.flush()

    def done(self) -> None:
        self._stream.write("\n")
        self._stream.flush()


def run_verify(args: argparse.Namespace, system: System) -> int:
    # Imported here: pyHanko loads for this command only, not for every ``hub`` command.
    from hub.documents.signing import trust_root
    from hub.documents.verify import verify_document

    try:
        data = args.file.read_bytes()
    except OSError as error:
        print(f"cannot read {args.file}: {error.strerror}", file=sys.stderr)
        return 2
    audit = system.audit()
    try:
        verdict = verify_document(data, audit, trust_root(system.settings.certs_dir))
    finally:
        audit.close()
    if verdict.genuine and verdict.record is not None:
        record = verdict.record
        print(
            f"genuine: document {verdict.document_id} ({record['document_kind']}, "
            f"{record.get('pages')} pages) issued {record['generated_at'][:19]} for "
            f"{record['for']}, unaltered (SHA-256 {verdict.sha256}); audit record {verdict.seq}"
        )
        return 0
    print(f"NOT GENUINE: {args.file} (SHA-256 {verdict.sha256})")
    for problem in verdict.problems:
        print(f"  - {problem}")
    return 1
