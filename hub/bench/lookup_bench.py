"""``hub bench lookup``: A&E lookup latency and throughput against the gRPC health check.

One run, one server, two request kinds:

1. *load*: N synthetic children go into a SQLite store through the hub application
   (no Kafka: the events are encoded and fed to ``HubApplication.ingest`` in chunks).
   Every child has one to five A&E attendances at four sites over the last 13 months;
   about one household in seven has child protection plans for all its children (some
   current, some ended in the last year, some both, a few looked after), and a third of
   those had a police domestic abuse notification at home in the last three weeks. A
   ``--data-dir`` that already holds a store of the same N is reused (the marker file
   ``bench-lookup.json`` says what it holds).
2. *serve*: the real lookup server (``create_server``: the mutual-TLS front, gRPC, the
   lookup service over a non-worker application, the audit log with its fsync) runs in
   this process. A load generator in a second process (so that it does not take the
   server's GIL) keeps C requests in flight over one mutual-TLS connection (closed loop)
   for a fixed time after a warm-up, timing each request: first A&E lookups by NHS
   number (a mix of children on a plan, other children and unknown numbers), then
   ``grpc.health.v1.Health/Check`` through the same connection and front.

The health check measures what every call pays (TLS front, HTTP/2, the gRPC server's
thread pool); the ratio of the two is what to compare between runs on a shared machine.
The server also times, per lookup, the lookup service and its audit append, and a short
sequential pass without gRPC gives the cost of one lookup on an idle server.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import io
import itertools
import json
import multiprocessing
import pstats
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from adapters import emergency_care, police, social_care
from adapters.envelope import envelope, message_key, subject
from adapters.records import OutboundEvent
from hub.access.certs import CertifiedIdentity, create_authority, issue_client, issue_server
from hub.access.organisations import OrganisationDirectory, directory_path
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditLog, AuditRecord
from hub.audit.keys import configured_signing_key
from hub.bench.phases import PhaseResult, per_round_lines, percentile, pool_rounds, summary
from hub.bench.procstat import process_cpu_seconds
from hub.bench.synthetic_events import FAMILY, GIVEN
from hub.bootstrap import build_application
from hub.config import Settings
from hub.entry.lookup_processes import LookupProcesses, ServeOptions
from hub.generator.identifiers import new_nhs_number
from hub.ingest.decoding import FactCodec
from hub.lookup.answer import LookupAnswer
from hub.lookup.client import ClientTls
from hub.lookup.proto import lookup_pb2
from hub.lookup.server import (
    SWITCH_INTERVAL_MS,
    ServerTls,
    create_server,
    freeze_startup_heap,
    use_switch_interval,
)
from hub.lookup.service import LOOKUP_ENTRY_KINDS, ChildLookupService, LookupQuery
from hub.lookup.views import LookupViews
from hub.policy.loader import load_policy
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec

MARKER = "bench-lookup.json"
TOPIC = "bench.lookup"
LOOKUP_METHOD = "/safeguarding.hub.lookup.v1.ChildLookup/Lookup"
HEALTH_METHOD = "/grpc.health.v1.Health/Check"
DESK = CertifiedIdentity("bench-desk", "RXX01", "unscheduled-care-clinician")
# (code, name, site type): the desk's own site first, the most visited.
SITES = (
    ("RXX01", "Leeds General Infirmary ED", "EMERGENCY_DEPARTMENT"),
    ("RYY02", "Wharfe Valley Minor Injury Unit", "MINOR_INJURY_UNIT"),
    ("RZZ03", "St James's University Hospital ED", "EMERGENCY_DEPARTMENT"),
    ("RWW04", "City Walk-in Centre", "WALK_IN_CENTRE"),
)
SITE_WEIGHTS = (50, 20, 20, 10)
AUTHORITIES = (("383", "Leeds"), ("384", "Bradford"))
CATEGORIES = ("NEGLECT", "EMOTIONAL", "PHYSICAL", "MULTIPLE", "SEXUAL")
PLAN_HOUSEHOLD_SHARE = 0.15
POLICE_SHARE_OF_PLAN_HOUSEHOLDS = 0.3
UNKNOWN_NUMBERS = 2000


def organisations_csv() -> str:
    rows = ["code,type,name"]
    rows += [f"{code},unscheduled-care,{name}" for code, name, _ in SITES]
    rows += [f"{code},local-authority,{name}" for code, name in AUTHORITIES]
    rows.append("B86001,gp-practice,Park Lane Surgery")
    return "\n".join(rows) + "\n"


# The population --------------------------------------------------------------------------


@dataclass(frozen=True)
class BenchChild:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str


@dataclass(frozen=True)
class BenchHousehold:
    """Children living together; ``plan`` is None, "current", "ended" or "ended-then-current"."""

    uprn: str
    children: tuple[BenchChild, ...]
    plan: str | None
    looked_after: bool
    police: bool

    @property
    def on_plan(self) -> bool:
        return self.plan in ("current", "ended-then-current")


@dataclass(frozen=True)
class Population:
    households: tuple[BenchHousehold, ...]
    unknown: tuple[str, ...]  # valid NHS numbers that no loaded child has

    @property
    def size(self) -> int:
        return sum(len(h.children) for h in self.households)

    def numbers(self) -> tuple[list[str], list[str]]:
        """NHS numbers of the children on a plan, and of the others."""
        on_plan: list[str] = []
        others: list[str] = []
        for household in self.households:
            (on_plan if household.on_plan else others).extend(
                c.nhs_number for c in household.children
            )
        return on_plan, others


def build_population(children: int, seed: int = 1) -> Population:
    """The same ``children`` and ``seed`` always give the same people and households."""
    rng = random.Random(seed)
    used: set[str] = set()
    households: list[BenchHousehold] = []
    made = 0
    while made < children:
        size = min(rng.choices((1, 2, 3), weights=(60, 25, 15))[0], children - made)
        family = rng.choice(FAMILY)
        postcode = f"LS{rng.randrange(1, 30)} {rng.randrange(10)}{rng.choice('ABDEFGHJ')}Q"
        members = tuple(
            BenchChild(
                nhs_number=new_nhs_number(rng, used),
                given_name=rng.choice(GIVEN),
                family_name=family,
                date_of_birth=date(2009, 1, 1) + timedelta(days=rng.randrange(17 * 365)),
                postcode=postcode,
            )
            for _ in range(size)
        )
        plan: str | None = None
        if rng.random() < PLAN_HOUSEHOLD_SHARE:
            plan = rng.choices(("current", "ended", "ended-then-current"), (70, 20, 10))[0]
        looked_after = plan is not None and plan != "ended" and rng.random() < 0.1
        police_notified = plan is not None and rng.random() < POLICE_SHARE_OF_PLAN_HOUSEHOLDS
        households.append(
            BenchHousehold(f"1{len(households):011d}", members, plan, looked_after, police_notified)
        )
        made += size
    unknown = tuple(new_nhs_number(rng, used) for _ in range(UNKNOWN_NUMBERS))
    return Population(tuple(households), unknown)


def _subject(child: BenchChild, **extra: Any) -> dict[str, Any]:
    return subject(
        nhs_number=child.nhs_number,
        given_name=child.given_name,
        family_name=child.family_name,
        date_of_birth=child.date_of_birth,
        postcode=child.postcode,
        **extra,
    )


def attendance_event(
    child: BenchChild, site: tuple[str, str, str], arrival: datetime, visit: str
) -> OutboundEvent:
    code, name, site_type = site
    fields = _subject(child, local_id=f"{code}-{child.nhs_number}")
    record = {
        "envelope": envelope(
            agency=emergency_care.AGENCY,
            source_system="EDIS",
            source_organisation=code,
            record_reference=f"{code}/{visit}/A04",
            occurred_at=arrival,
            recorded_at=arrival,
            subject_fields=fields,
        ),
        "attendance_event": "REGISTERED",
        "site_code": code,
        "site_name": name,
        "site_type": site_type,
        "attendance_reference": visit,
        "arrival_time": arrival,
        "attendance_category": "FIRST",
        "injury": True,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": None,
        "discharge_time": None,
        "registered_gp_practice": "B86001",
        "registered_gp_practice_name": "Park Lane Surgery",
    }
    return OutboundEvent(
        emergency_care.SCHEMA, record, message_key(emergency_care.AGENCY, code, fields)
    )


def plan_event(
    child: BenchChild,
    household: BenchHousehold,
    status_event: str,
    day: date,
    category: str | None,
    authority: tuple[str, str],
) -> OutboundEvent:
    code, name = authority
    fields = _subject(child, household_reference=household.uprn)
    reference = f"{code}/{child.nhs_number}/{status_event}/{day.isoformat()}"
    occurred = datetime.combine(day, clock_time(9, 0), tzinfo=UTC)
    record = {
        "envelope": envelope(
            agency=social_care.AGENCY,
            source_system=social_care.SOURCE_SYSTEM,
            source_organisation=code,
            record_reference=reference,
            occurred_at=occurred,
            recorded_at=occurred + timedelta(hours=2),
            subject_fields=fields,
        ),
        "status_event": status_event,
        "event_date": day,
        "plan_category": category,
        "looked_after": household.looked_after,
        "responsible_authority": {
            "code": code,
            "name": name,
            "office_hours_phone": "0113 000 0001",
            "out_of_hours_phone": "0113 000 0002",
        },
        "lead_social_worker": "Alex Worker",
        "lead_social_worker_email": "alex.worker@example.org",
        "team": "Assessment Team 1",
    }
    return OutboundEvent(social_care.SCHEMA, record, message_key(social_care.AGENCY, code, fields))


def police_event(household: BenchHousehold, incident: datetime, risk: str) -> OutboundEvent:
    first = household.children[0]
    fields = subject(postcode=first.postcode, household_reference=household.uprn)
    reference = f"WYP-{household.uprn}-{incident:%Y%m%d}"
    record = {
        "envelope": envelope(
            agency=police.AGENCY,
            source_system="NICHE",
            source_organisation="WYP",
            record_reference=reference,
            occurred_at=incident,
            recorded_at=incident + timedelta(hours=6),
            subject_fields=fields,
        ),
        "incident_reference": reference,
        "incident_time": incident,
        "location": {"uprn": household.uprn, "address": None, "postcode": first.postcode},
        "risk_level": risk,
        "perpetrator_relation": "PARENT_PARTNER",
        "children": [
            {
                "person_reference": None,
                "nhs_number": child.nhs_number,
                "given_name": child.given_name,
                "family_name": child.family_name,
                "date_of_birth": child.date_of_birth,
                "present": index == 0,
                "resident": True,
                "voice": None,
            }
            for index, child in enumerate(household.children)
        ],
    }
    return OutboundEvent(police.SCHEMA, record, f"uprn:{household.uprn}")


def population_events(
    population: Population, today: date, seed: int = 1
) -> Iterator[OutboundEvent]:
    """Each household in turn: its children's attendances, then plans, then police."""
    rng = random.Random(seed * 7919 + 1)
    now = datetime.combine(today, clock_time(0, 0), tzinfo=UTC)
    visit = 0
    for household in population.households:
        for child in household.children:
            for _ in range(rng.choices((1, 2, 3, 4, 5), (35, 30, 20, 10, 5))[0]):
                visit += 1
                arrival = now - timedelta(days=rng.randrange(1, 400), minutes=rng.randrange(1440))
                site = rng.choices(SITES, SITE_WEIGHTS)[0]
                yield attendance_event(child, site, arrival, f"V{visit:08d}")
        if household.plan is None:
            continue
        authority = rng.choice(AUTHORITIES)
        for child in household.children:
            category = rng.choice(CATEGORIES)
            if household.plan in ("ended", "ended-then-current"):
                started = today - timedelta(days=rng.randrange(380, 700))
                ended = today - timedelta(days=rng.randrange(20, 300))
                yield plan_event(child, household, "PLAN_STARTED", started, category, authority)
                yield plan_event(child, household, "PLAN_ENDED", ended, None, authority)
            if household.plan in ("current", "ended-then-current"):
                # A new plan after an ended one starts after it ended (20+ days ago).
                latest = 500 if household.plan == "current" else 15
                started = today - timedelta(days=rng.randrange(5, latest))
                yield plan_event(child, household, "PLAN_STARTED", started, category, authority)
        if household.police:
            incident = now - timedelta(days=rng.randrange(1, 21), hours=rng.randrange(24))
            yield police_event(household, incident, rng.choice(("STANDARD", "MEDIUM", "HIGH")))


# Loading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadReport:
    children: int
    events: int
    seconds: float
    loaded_on: str
    reused: bool
    new_children: int
    queued_for_review: int

    def to_json(self) -> dict[str, Any]:
        return {
            "children": self.children,
            "events": self.events,
            "seconds": round(self.seconds, 1),
            "loaded_on": self.loaded_on,
            "new_children": self.new_children,
            "queued_for_review": self.queued_for_review,
        }


def load_store(
    settings: Settings, population: Population, seed: int, chunk: int = 2000
) -> LoadReport:
    """Ingest the population with a worker-mode application, ``chunk`` messages at a time."""
    today = datetime.now(UTC).date()
    codec = SingleObjectCodec(default_catalogue())
    facts = FactCodec()
    app = build_application(settings, worker=True)
    started = time.perf_counter()
    events = new_children = review = 0
    batch: list[InboundMessage] = []

    def flush() -> None:
        nonlocal new_children, review
        report = app.ingest(batch, None)
        new_children += report.new_children
        review += report.queued_for_review
        batch.clear()

    try:
        for event in population_events(population, today, seed):
            value = codec.encode(event.schema_name, event.record)
            batch.append(InboundMessage(TOPIC, 0, events, value, facts.decode_fact(value)))
            events += 1
            if len(batch) >= chunk:
                flush()
                if events % (chunk * 25) < chunk:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  loading: {new_children:,} children, {events:,} events, {elapsed:.0f} s",
                        flush=True,
                    )
        if batch:
            flush()
    finally:
        app.close()
    seconds = time.perf_counter() - started
    return LoadReport(
        population.size, events, seconds, today.isoformat(), False, new_children, review
    )


def prepare_store(settings: Settings, population: Population, seed: int) -> LoadReport:
    """Load the population unless the data directory already holds it (see ``MARKER``)."""
    marker = settings.data_dir / MARKER
    if marker.exists():
        held = json.loads(marker.read_text(encoding="utf-8"))
        if held.get("children") != population.size or held.get("seed") != seed:
            raise SystemExit(
                f"{settings.data_dir} holds {held.get('children')} children (seed "
                f"{held.get('seed')}), not {population.size} (seed {seed}): use another --data-dir"
            )
        return LoadReport(
            held["children"],
            held["events"],
            held["seconds"],
            held["loaded_on"],
            True,
            held.get("new_children", 0),
            held.get("queued_for_review", 0),
        )
    if (settings.data_dir / "hub.sqlite").exists():
        raise SystemExit(
            f"{settings.data_dir} holds a store without {MARKER} (an interrupted load?): "
            "remove it or use another --data-dir"
        )
    report = load_store(settings, population, seed)
    marker.write_text(
        json.dumps({**report.to_json(), "seed": seed}, indent=2) + "\n", encoding="utf-8"
    )
    return report


def prepare_certificates(directory: Path) -> None:
    if not (directory / "ca.pem").exists():
        create_authority(directory, "Safeguarding Hub Benchmark CA")
        issue_server(directory)
    if not (directory / f"client-{DESK.user}.pem").exists():
        issue_client(directory, DESK)


def client_tls(directory: Path) -> ClientTls:
    return ClientTls(
        directory / "ca.pem",
        directory / f"client-{DESK.user}.pem",
        directory / f"client-{DESK.user}.key",
    )


# Server-side timing ----------------------------------------------------------------------


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
        self, identity: CertifiedIdentity | None, query: LookupQuery, peer: str = ""
    ) -> LookupAnswer:
        started = time.perf_counter()
        try:
            return super().lookup(identity, query, peer)
        finally:
            self.timings.add(time.perf_counter() - started)


# The load generator (a separate process) -------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """Which NHS numbers the lookups ask about, in what shares."""

    on_plan: list[str]
    others: list[str]
    unknown: list[str]
    plan_share: float
    unknown_share: float

    def pick(self, rng: random.Random) -> str:
        draw = rng.random()
        if draw < self.unknown_share:
            return rng.choice(self.unknown)
        if draw < self.unknown_share + self.plan_share and self.on_plan:
            return rng.choice(self.on_plan)
        return rng.choice(self.others)


@dataclass(frozen=True)
class Job:
    kind: str  # "lookup" or "health"
    concurrency: int
    seconds: float
    warmup: float
    round: int = 1


_OUTCOME_NAMES = {
    lookup_pb2.MATCHED: "matched",
    lookup_pb2.NO_RECORD_HELD: "no-record-held",
    lookup_pb2.AMBIGUOUS: "ambiguous",
}


class _ClosedLoop:
    """Keeps ``concurrency`` calls in flight until ``end``; records those finished in time."""

    def __init__(
        self,
        calls: list[grpc.UnaryUnaryMultiCallable[Any, Any]],
        make_request: Any,
        kind: str,
        concurrency: int,
    ) -> None:
        self._calls = calls
        self._make_request = make_request
        self._kind = kind
        self._concurrency = concurrency
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._running = concurrency
        self._turns = itertools.count()
        self.window_start = float("inf")
        self.end = float("inf")
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def run(self, warmup: float, seconds: float, conn: Connection) -> tuple[float, float]:
        begun = time.perf_counter()
        self.end = begun + warmup + seconds
        for slot in range(self._concurrency):
            self._issue(slot)
        time.sleep(warmup)
        cpu = time.process_time()
        self.window_start = time.perf_counter()
        conn.send("measuring")
        self._finished.wait(timeout=warmup + seconds + 60)
        window = min(time.perf_counter(), self.end) - self.window_start
        return window, (time.process_time() - cpu) / max(window, 1e-9)

    def _issue(self, slot: int) -> None:
        # Each request takes the next connection in turn, as requests from many desks
        # would (with several server processes, a connection belongs to one of them).
        call = self._calls[next(self._turns) % len(self._calls)]
        started = time.perf_counter()
        future = call.future(self._make_request(), timeout=30)
        future.add_done_callback(functools.partial(self._done, slot, started))

    def _done(self, slot: int, started: float, future: Any) -> None:
        finished = time.perf_counter()
        error = future.exception()
        counted = self.window_start <= finished <= self.end
        if counted:
            with self._lock:
                self.latencies.append(finished - started)
                if error is not None:
                    self.errors[str(future.code().name)] += 1
                elif self._kind == "lookup":
                    self.outcomes[_OUTCOME_NAMES.get(future.result().match.outcome, "?")] += 1
        if finished < self.end:
            self._issue(slot)
            return
        with self._lock:
            self._running -= 1
            if self._running == 0:
                self._finished.set()


def load_generator(
    conn: Connection,
    address: str,
    certs: Path,
    connections: int,
    mix: Mix,
    seed: int,
) -> None:
    """The client process: runs each ``Job`` received on ``conn``, sends back a result."""
    credentials = client_tls(certs).credentials()
    options = [
        ("grpc.ssl_target_name_override", "localhost"),
        ("grpc.use_local_subchannel_pool", 1),  # one connection per channel
    ]
    channels = [grpc.secure_channel(address, credentials, options) for _ in range(connections)]
    lookups = [
        channel.unary_unary(
            LOOKUP_METHOD,
            request_serializer=lookup_pb2.LookupRequest.SerializeToString,
            response_deserializer=lookup_pb2.LookupResponse.FromString,
        )
        for channel in channels
    ]
    checks = [
        channel.unary_unary(
            HEALTH_METHOD,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        for channel in channels
    ]
    for channel in channels:
        grpc.channel_ready_future(channel).result(timeout=30)
    rng = random.Random(seed)
    lock = threading.Lock()

    def lookup_request() -> lookup_pb2.LookupRequest:
        with lock:
            number = mix.pick(rng)
        return lookup_pb2.LookupRequest(nhs_number=number, purpose="direct-care")

    health_request = health_pb2.HealthCheckRequest(service="")
    try:
        while True:
            job: Job | None = conn.recv()
            if job is None:
                break
            if job.kind == "lookup":
                loop = _ClosedLoop(lookups, lookup_request, job.kind, job.concurrency)
            else:
                loop = _ClosedLoop(checks, lambda: health_request, job.kind, job.concurrency)
            window, cpu = loop.run(job.warmup, job.seconds, conn)
            conn.send(
                PhaseResult(
                    job.kind,
                    job.concurrency,
                    window,
                    loop.latencies,
                    loop.errors,
                    loop.outcomes,
                    client_cpu=cpu,
                    round=job.round,
                )
            )
    finally:
        for channel in channels:
            channel.close()
        conn.close()


# The run ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupBenchOptions:
    children: int = 10_000
    concurrencies: tuple[int, ...] = (8,)
    seconds: float = 15.0
    warmup: float = 3.0
    workers: int = 8
    connections: int = 1
    plan_share: float = 0.25
    unknown_share: float = 0.05
    data_dir: Path | None = None
    seed: int = 1
    sequential: int = 300
    profile: bool = False
    switch_interval_ms: float = SWITCH_INTERVAL_MS  # the server's GIL switch interval
    processes: int = 1  # server processes on the port (as `hub serve --processes`)
    rounds: int = 1  # the concurrencies repeated, interleaved; each one's rounds pooled


@dataclass
class LookupBenchResult:
    load: LoadReport
    options: LookupBenchOptions
    on_plan: int
    sequential_lookup: list[float] = field(default_factory=list)
    sequential_audit: list[float] = field(default_factory=list)
    profile: str = ""
    phases: list[PhaseResult] = field(default_factory=list)
    switch_interval_ms: float = 5.0
    views_caught_up: tuple[int, float] = (0, 0.0)  # events read into the read model, seconds

    def lines(self) -> list[str]:
        load, options = self.load, self.options
        how = f"reused, loaded on {load.loaded_on} in" if load.reused else "loaded in"
        out = [
            f"children: {load.children:,} ({self.on_plan:,} on a plan), {load.events:,} events, "
            f"{how} {load.seconds:,.1f} s ({load.children / max(load.seconds, 1e-9):,.0f} "
            f"children/s)",
            f"lookups by NHS number: {options.plan_share:.0%} children on a plan, "
            f"{options.unknown_share:.0%} unknown numbers, the rest other children; "
            f"{options.processes} server process(es) of {options.workers} workers, "
            f"{options.connections} connection(s), GIL switch "
            f"interval {self.switch_interval_ms:g} ms, "
            f"{options.seconds:g} s measured after {options.warmup:g} s warm-up"
            + (f", {options.rounds} rounds pooled" if options.rounds > 1 else ""),
        ]
        events, seconds = self.views_caught_up
        out.append(
            f"lookup read model: {events:,} events applied at start in {seconds:,.1f} s "
            "(0 when kept from an earlier run)"
        )
        if self.sequential_lookup:
            share = sum(self.sequential_audit) / sum(self.sequential_lookup)
            out.append(
                f"sequential, in process, no gRPC ({len(self.sequential_lookup)} lookups): "
                f"p50 {percentile(self.sequential_lookup, 0.5):.2f} ms, "
                f"p99 {percentile(self.sequential_lookup, 0.99):.2f} ms; audit append "
                f"p50 {percentile(self.sequential_audit, 0.5):.2f} ms, "
                f"p99 {percentile(self.sequential_audit, 0.99):.2f} ms ({share:.0%} of the time)"
            )
        out.append(
            f"{'C':>3} {'kind':<7} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'errors':>7} {'srv CPU':>8} {'cli CPU':>8}"
        )
        by_key = {(p.kind, p.concurrency): p for p in pool_rounds(self.phases)}
        for concurrency in options.concurrencies:
            for kind in ("lookup", "health"):
                p = by_key.get((kind, concurrency))
                if p is None:
                    continue
                out.append(
                    f"{concurrency:>3} {kind:<7} {p.requests:>9,} {p.throughput:>8,.0f} "
                    f"{p.percentile(0.5):>8.2f} {p.percentile(0.99):>8.2f} "
                    f"{sum(p.errors.values()):>7} {p.server_cpu:>8.2f} {p.client_cpu:>8.2f}"
                )
            lookup, check = by_key.get(("lookup", concurrency)), by_key.get(("health", concurrency))
            if lookup is None or check is None:
                continue
            out.append(
                f"    ratio lookup/health: throughput {lookup.throughput / check.throughput:.3f}, "
                f"p99 {lookup.percentile(0.99) / check.percentile(0.99):.1f}"
            )
            if lookup.service:
                share = sum(lookup.audit) / sum(lookup.service)
                out.append(
                    f"    server side: lookup service p50 {percentile(lookup.service, 0.5):.2f} "
                    f"p99 {percentile(lookup.service, 0.99):.2f} ms, of which audit append "
                    f"p50 {percentile(lookup.audit, 0.5):.2f} "
                    f"p99 {percentile(lookup.audit, 0.99):.2f} ms ({share:.0%})"
                )
            if lookup.outcomes or lookup.errors:
                found = ", ".join(f"{k} {v}" for k, v in sorted(lookup.outcomes.items()))
                failed = ", ".join(f"{k} {v}" for k, v in sorted(lookup.errors.items()))
                out.append(f"    outcomes: {found}" + (f"; errors: {failed}" if failed else ""))
        out += per_round_lines([p for p in self.phases if p.kind == "lookup"])
        out += summary([p for p in pool_rounds(self.phases) if p.kind == "lookup"])
        if self.profile:
            out += ["", "profile of the sequential pass (cumulative time):", self.profile]
        return out


def _sequential_pass(
    service: TimedLookupService,
    audit: TimedAuditLog,
    mix: Mix,
    count: int,
    seed: int,
    profile: bool,
) -> tuple[list[float], list[float], str]:
    rng = random.Random(seed + 17)
    queries = [LookupQuery(nhs_number=mix.pick(rng), purpose="direct-care") for _ in range(count)]
    for query in queries[:20]:  # warm-up: imports, SQLite page cache, policy caches
        service.lookup(DESK, query, "bench-sequential")
    service.timings.take()
    audit.timings.take()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    for query in queries:
        service.lookup(DESK, query, "bench-sequential")
    if profiler is None:
        return service.timings.take(), audit.timings.take(), ""
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(35)
    return service.timings.take(), audit.timings.take(), text.getvalue()


def run_lookup_bench(options: LookupBenchOptions) -> LookupBenchResult:
    if options.data_dir is not None:
        return _run(options, options.data_dir)
    with tempfile.TemporaryDirectory(prefix="hub-bench-lookup-") as directory:
        return _run(options, Path(directory))


def _run(options: LookupBenchOptions, data_dir: Path) -> LookupBenchResult:
    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused:0")
    data_dir.mkdir(parents=True, exist_ok=True)
    population = build_population(options.children, options.seed)
    load = prepare_store(settings, population, options.seed)
    certs = data_dir / "certs"
    prepare_certificates(certs)
    on_plan, others = population.numbers()
    mix = Mix(on_plan, others, list(population.unknown), options.plan_share, options.unknown_share)
    result = LookupBenchResult(load, options, len(on_plan))

    app: HubApplication = build_application(settings)  # not a worker: no aggregate cache
    audit = TimedAuditLog(settings.audit_path, settings)
    views = LookupViews(app, settings.lookup_views_path, LOOKUP_ENTRY_KINDS)  # as `hub serve`
    started = time.perf_counter()
    result.views_caught_up = (views.catch_up(), time.perf_counter() - started)
    views.follow()  # as `hub serve`
    service = TimedLookupService(
        app, load_policy(), audit, OrganisationDirectory.parse(organisations_csv()), views=views
    )
    service.timings = Timings()
    try:
        if options.sequential:
            result.sequential_lookup, result.sequential_audit, result.profile = _sequential_pass(
                service, audit, mix, options.sequential, options.seed, options.profile
            )
        default_interval = sys.getswitchinterval()
        use_switch_interval(options.switch_interval_ms)
        result.switch_interval_ms = sys.getswitchinterval() * 1000
        if options.processes > 1:
            result.phases = _drive_processes(options, settings, certs, mix)
        else:
            server, port = create_server(
                "127.0.0.1:0", service, ServerTls.in_directory(certs), workers=options.workers
            )
            freeze_startup_heap()  # as `hub serve`
            try:
                result.phases = _drive(options, f"127.0.0.1:{port}", certs, mix, service, audit)
            finally:
                server.stop(0)
                gc.unfreeze()
        sys.setswitchinterval(default_interval)
    finally:
        audit.checkpoint()
        audit.close()
        views.close()
        app.close()
    return result


def _drive_processes(
    options: LookupBenchOptions, settings: Settings, certs: Path, mix: Mix
) -> list[PhaseResult]:
    """The same phases against ``options.processes`` server processes sharing one port.

    Server-side timings stay in those processes; their CPU is read from /proc.
    """
    directory = directory_path(settings.data_dir)
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text(organisations_csv(), encoding="utf-8")
    group = LookupProcesses(
        ServeOptions(
            settings,
            "127.0.0.1:0",
            options.workers,
            with_inbox=False,
            switch_interval_ms=options.switch_interval_ms,
        ),
        options.processes,
    )
    port = group.start()
    try:
        return _drive(
            options, f"127.0.0.1:{port}", certs, mix, None, None, lambda: _cpu_seconds(group.pids)
        )
    finally:
        group.stop()


def _cpu_seconds(pids: Sequence[int]) -> float:
    """User plus system CPU seconds of these processes so far (0 for any unreadable)."""
    return sum(process_cpu_seconds(pid) or 0.0 for pid in pids)


def _drive(
    options: LookupBenchOptions,
    address: str,
    certs: Path,
    mix: Mix,
    service: TimedLookupService | None,
    audit: TimedAuditLog | None,
    server_cpu_seconds: Callable[[], float] = time.process_time,
) -> list[PhaseResult]:
    context = multiprocessing.get_context("spawn")  # no fork: gRPC's threads do not survive it
    ours, theirs = context.Pipe()
    process = context.Process(
        target=load_generator,
        args=(theirs, address, certs, options.connections, mix, options.seed),
        name="hub-bench-lookup-client",
    )
    process.start()
    theirs.close()
    phases: list[PhaseResult] = []
    try:
        runs = [
            (number, concurrency, kind)
            for number in range(1, options.rounds + 1)
            for concurrency in options.concurrencies
            for kind in ("lookup", "health")
        ]
        for number, concurrency, kind in runs:
            ours.send(Job(kind, concurrency, options.seconds, options.warmup, number))
            if ours.recv() != "measuring":
                raise RuntimeError("the load generator lost step")
            if service is not None and audit is not None:
                service.timings.take()
                audit.timings.take()
            cpu, wall = server_cpu_seconds(), time.perf_counter()
            phase: PhaseResult = ours.recv()
            phase.server_cpu = (server_cpu_seconds() - cpu) / (time.perf_counter() - wall)
            if service is not None and audit is not None:
                phase.service = service.timings.take()
                phase.audit = audit.timings.take()
            phases.append(phase)
        ours.send(None)
    finally:
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join()
        ours.close()
    return phases
