"""``hub bench documents``: a case-review bundle of N children, timed, and where the time goes.

A synthetic population whose every household has a child protection plan with one
authority (current, ended, or ended then current; some looked after, some with a
police notification at home; one to five A&E attendances each) is loaded through the
hub application into a SQLite store, then ``hub export bundle --authority`` is run on
it: every child's chronology and disclosure log, and the index, each disclosed,
rendered, signed and audited. Printed: children, documents, pages, bytes, wall time,
children per second; and, on a sample, the time one child costs in each stage
(disclosure and layout in the main process, rendering, signing).
"""

from __future__ import annotations

import random
import resource
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path

from adapters.records import OutboundEvent
from bench.lookup_events import attendance_event, plan_event, police_event
from bench.lookup_population import SITE_WEIGHTS, SITES, BenchHousehold
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditLog
from hub.bootstrap import System, bootstrap, build_application
from hub.config import Settings
from hub.documents.bundle import ZipSink, select_cases
from hub.documents.court_chronology import Period
from hub.documents.pdf import render_pdf
from hub.ingest.decoding import FactCodec
from hub.policy.engine import Recipient
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from synthetic.population import FAMILIES, bench_population

AUTHORITY = ("383", "Leeds")
REVIEWER = Recipient(
    "case-review", "social-worker", "383", "local-authority", "responsible-authority"
)
SAMPLE = 10


@dataclass(frozen=True)
class DocumentsBenchResult:
    children: int
    events: int
    load_seconds: float
    processes: int
    documents: int
    pages: int
    bytes: int
    seconds: float
    prepare_ms: float
    render_ms: float
    sign_ms: float
    main_cpu: float  # CPU seconds of this process during the bundle
    helpers_cpu: float  # CPU seconds of the rendering processes

    def _idle_estimate(self) -> float:
        """Wall time if the busier side had its cores to itself (the other overlapping)."""
        cores = 2
        helpers = self.helpers_cpu / max(min(self.processes, cores), 1)
        return max(self.main_cpu, helpers, (self.main_cpu + self.helpers_cpu) / cores)

    def lines(self) -> list[str]:
        rate = self.children / self.seconds if self.seconds else 0.0
        return [
            f"store: {self.children:,} children, {self.events:,} events loaded in "
            f"{self.load_seconds:.1f} s",
            f"bundle: {self.documents:,} documents (children's and the index), "
            f"{self.pages:,} pages, {self.bytes / 1e6:.1f} MB, in {self.seconds:.1f} s "
            f"({rate:.1f} children/s, {self.processes} rendering processes)",
            f"CPU: {self.main_cpu:.0f} s in this process (disclosure, layout, audit), "
            f"{self.helpers_cpu:.0f} s in the rendering processes: "
            f"{(self.main_cpu + self.helpers_cpu) / max(self.children, 1) * 1000:.0f} ms a child"
            f" (on an idle machine with 2 cores, about {self._idle_estimate():.0f} s)",
            f"one child, sampled over {SAMPLE}: disclosure and layout {self.prepare_ms:.0f} ms "
            f"(main process), rendering {self.render_ms:.0f} ms, signing {self.sign_ms:.0f} ms",
        ]


def _cpu() -> tuple[float, float]:
    mine = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return mine.ru_utime + mine.ru_stime, children.ru_utime + children.ru_stime


def _households(children: int, seed: int) -> list[BenchHousehold]:
    rng = random.Random(seed)
    made = []
    for members in bench_population(children, seed, FAMILIES).families():
        plan = rng.choices(("current", "ended", "ended-then-current"), (70, 10, 20))[0]
        looked_after = plan != "ended" and rng.random() < 0.1
        made.append(
            BenchHousehold(members[0].uprn, members, plan, looked_after, rng.random() < 0.3)
        )
    return made


def _events(population: list[BenchHousehold], today: date, seed: int) -> Iterator[OutboundEvent]:
    rng = random.Random(seed * 7919 + 2)
    now = datetime.combine(today, clock_time(0, 0), tzinfo=UTC)
    visit = 0
    for household in population:
        for child in household.children:
            for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 30, 20, 10, 5))[0]):
                visit += 1
                arrival = now - timedelta(days=rng.randrange(1, 700), minutes=rng.randrange(1440))
                site = rng.choices(SITES, SITE_WEIGHTS)[0]
                yield attendance_event(child, site, arrival, f"V{visit:08d}")
            if household.plan in ("ended", "ended-then-current"):
                started = today - timedelta(days=rng.randrange(380, 700))
                ended = today - timedelta(days=rng.randrange(20, 300))
                yield plan_event(child, household, "PLAN_STARTED", started, "NEGLECT", AUTHORITY)
                yield plan_event(child, household, "PLAN_ENDED", ended, None, AUTHORITY)
            if household.plan in ("current", "ended-then-current"):
                latest = 500 if household.plan == "current" else 15
                started = today - timedelta(days=rng.randrange(5, latest))
                yield plan_event(child, household, "PLAN_STARTED", started, "EMOTIONAL", AUTHORITY)
        if household.police:
            incident = now - timedelta(days=rng.randrange(1, 200), hours=rng.randrange(24))
            yield police_event(household, incident, rng.choice(("STANDARD", "MEDIUM", "HIGH")))


def _load(settings: Settings, children: int, seed: int) -> tuple[int, float]:
    codec, facts = SingleObjectCodec(default_catalogue()), FactCodec()
    app = build_application(settings, worker=True)
    started = time.perf_counter()
    batch: list[InboundMessage] = []
    events = 0
    try:
        for event in _events(_households(children, seed), datetime.now(UTC).date(), seed):
            value = codec.encode(event.schema_name, event.record)
            batch.append(
                InboundMessage("bench.documents", 0, events, value, facts.decode_fact(value))
            )
            events += 1
            if len(batch) >= 2000:
                app.ingest(batch, None)
                batch.clear()
        if batch:
            app.ingest(batch, None)
    finally:
        app.close()
    return events, time.perf_counter() - started


def run_documents_bench(
    children: int, processes: int, seed: int = 1, data_dir: Path | None = None
) -> DocumentsBenchResult:
    directory = data_dir or Path(tempfile.mkdtemp(prefix="hub-bench-documents-"))
    settings = Settings(data_dir=directory, kafka_bootstrap="unused")
    events, load_seconds = _load(settings, children, seed)
    system = bootstrap(settings)
    app, audit = system.application(), system.audit()
    try:
        cases = select_cases(app, AUTHORITY[0], {}, open_only=False)
        builder = system.case_review(app, audit, processes)
        sink = ZipSink(directory / "bundle.zip")
        started = time.perf_counter()
        cpu_before = _cpu()
        try:
            summary = builder.build(
                AUTHORITY[0], cases, REVIEWER, "safeguarding", Period(None, None), sink
            )
        finally:
            sink.close()
        seconds = time.perf_counter() - started
        cpu_after = _cpu()
        issued = [d for _, d, _ in summary.documents]
        if summary.index is not None:
            issued.append(summary.index)
        stages = _sample(system, app, audit, [c.child_id for c in cases[:SAMPLE]])
    finally:
        audit.close()
        app.close()
    return DocumentsBenchResult(
        children=len(cases),
        events=events,
        load_seconds=load_seconds,
        processes=processes,
        documents=len(issued),
        pages=sum(d.pages for d in issued),
        bytes=sum(len(d.pdf) for d in issued),
        seconds=seconds,
        prepare_ms=stages[0],
        render_ms=stages[1],
        sign_ms=stages[2],
        main_cpu=cpu_after[0] - cpu_before[0],
        helpers_cpu=cpu_after[1] - cpu_before[1],
    )


def _sample(
    system: System, app: HubApplication, audit: AuditLog, child_ids: list[str]
) -> tuple[float, ...]:
    """Milliseconds per child in each stage, one process, on the first children."""
    documents = system.documents(app, audit)
    signer = system.document_signer()
    totals = [0.0, 0.0, 0.0]
    for child_id in child_ids:
        t0 = time.perf_counter()
        prepared = documents.prepare_chronology(
            REVIEWER, "safeguarding", child_id, Period(None, None)
        )
        t1 = time.perf_counter()
        pdf, _ = render_pdf(prepared.html)
        t2 = time.perf_counter()
        signer.sign(pdf, prepared.furniture.title)
        t3 = time.perf_counter()
        for index, spent in enumerate((t1 - t0, t2 - t1, t3 - t2)):
            totals[index] += spent
    return tuple(1000 * total / max(len(child_ids), 1) for total in totals)
