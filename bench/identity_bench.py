"""``hub bench identity``: how the hub's identity rule does on a population with hard cases.

The generator builds a population (default 50,000 children) with identity hard cases
(``hub generate --hard-cases``: near-name twins and triplets, misspellings, nicknames,
transposed birth dates, surname changes) besides the agencies' everyday slips. Each
agency system that knows a child registers them once, as the generator's feeds do, and
sends one or two records; every record is an ``AgencyFact`` applied by
``HubApplication.ingest``, the code the worker runs (no Kafka and no Avro decoding: this
measures resolution and the store, on embedded SQLite or in memory).

Each record's true child is known, so the bench counts, in arrival order:

- *wrong merges*: records linked to a hub child that is another child's (must be 0),
  and how many of them the hub put to a person by the end, when a child born with the
  one linked (a twin) became known (``hub.application.born_together``);
- *missed links sent to the queue*: records of a child the hub already knew, held for a
  person; and records of a child not yet known, held too;
- *new children wrongly created*: records of a known child that started a second child;
- the share resolved automatically (linked or new, not queued), and records per second.

The same records then go through a baseline, identifier-only resolution (no
demographics at all), in the same run. It prints figures and never asserts them.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from uuid import UUID

from bench.identity_records import BenchRecord, bench_records
from hub.application.facts import SubjectRef
from hub.application.hub_app import HubApplication, InboundMessage
from hub.application.resolver import Resolution, resolve, resolve_by_identifiers_only
from hub.application.unit_of_work import UnitOfWork
from hub.bootstrap import store_env
from hub.config import Settings
from hub.domain.child import Child
from hub.domain.identity import Outcome
from hub.domain.indexes import IndexIds
from synthetic.config import GeneratorConfig
from synthetic.world import build_world

Resolver = Callable[[UnitOfWork, IndexIds, SubjectRef], Resolution]

POPULATION_DATE = date(2026, 11, 2)  # fixed, so a seed gives the same population on any day


@dataclass
class Tally:
    """What one resolver made of the records."""

    label: str
    records: int = 0
    seconds: float = 0.0
    linked_by_identifier: int = 0
    linked_by_demographics: int = 0
    new_children: int = 0
    queued: int = 0
    wrong_merges: int = 0
    missed_links_queued: int = 0
    unknown_children_queued: int = 0
    wrong_new_children: int = 0
    wrong_merges_doubted: int = 0  # later put to a person, when a twin became known
    doubted_links: int = 0  # records whose demographic link was put to a person
    by_case: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    @property
    def automatic_share(self) -> float:
        return 1 - self.queued / self.records if self.records else 0.0

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0

    def lines(self) -> list[str]:
        records = max(self.records, 1)
        return [
            f"{self.label}:",
            f"  wrong merges (records linked to another child): {self.wrong_merges:,}",
            f"    of which put to a person when a twin became known: "
            f"{self.wrong_merges_doubted:,} (records whose link was put to a person: "
            f"{self.doubted_links:,})",
            f"  missed links sent to the identity queue (child already known): "
            f"{self.missed_links_queued:,} ({self.missed_links_queued / records:.2%} of records)",
            f"  records of children not yet known, held in the queue: "
            f"{self.unknown_children_queued:,}",
            f"  new children wrongly created (a known child's record started another): "
            f"{self.wrong_new_children:,} ({self.wrong_new_children / records:.2%} of records)",
            f"  resolved automatically: {self.automatic_share:.2%} "
            f"(linked by identifier {self.linked_by_identifier:,}, "
            f"by exact demographics {self.linked_by_demographics:,}, "
            f"new children {self.new_children:,}; queued {self.queued:,})",
            f"  {self.records_per_second:,.0f} records/s "
            f"({self.records:,} records in {self.seconds:.1f} s, store writes included)",
        ]


@dataclass(frozen=True)
class IdentityBenchOptions:
    children: int = 50_000
    hard_cases: float = 0.05
    seed: int = 1
    batch_size: int = 500
    store: str = "sqlite"  # or "memory"
    data_dir: Path | None = None
    baseline: bool = True


@dataclass
class IdentityBenchResult:
    options: IdentityBenchOptions
    children: int
    records: int
    hard_case_records: int
    tallies: list[Tally]

    def lines(self) -> list[str]:
        options = self.options
        lines = [
            f"identity bench: {self.children:,} children (hard-case share {options.hard_cases}), "
            f"{self.records:,} agency records ({self.hard_case_records:,} of them hard cases), "
            f"store {options.store}, batches of {options.batch_size}",
        ]
        for tally in self.tallies:
            lines.extend(tally.lines())
        hub = self.tallies[0]
        lines.append(f"by case ({hub.label}): records / by identifier / exact / new / queued")
        lines.append("  / wrong merges / wrong new children")
        for case in sorted(hub.by_case):
            c = hub.by_case[case]
            lines.append(
                f"  {case:<28} {c['records']:>7,} {c['identifier']:>7,} {c['exact']:>6,} "
                f"{c['new']:>6,} {c['queued']:>6,} {c['wrong_merge']:>4,} {c['wrong_new']:>5,}"
            )
        return lines


def run_identity_bench(options: IdentityBenchOptions) -> IdentityBenchResult:
    """Build the population and its records, and run them through the hub (and the baseline)."""
    world = build_world(
        GeneratorConfig(
            options.children,
            1,
            options.seed,
            POPULATION_DATE,
            options.hard_cases,
        )
    )
    records = bench_records(world, random.Random(f"identity-bench/{options.seed}"))
    runs: list[tuple[str, Resolver]] = [("hub rule (identifier, or exact and unique)", resolve)]
    if options.baseline:
        runs.append(
            ("baseline (identifiers only, never demographics)", resolve_by_identifiers_only)
        )
    tallies = []
    with tempfile.TemporaryDirectory(prefix="hub-identity-bench-") as scratch:
        for number, (label, resolver) in enumerate(runs):
            root = (options.data_dir or Path(scratch)) / f"run-{number}"
            tallies.append(run_records(records, resolver, label, options, root))
    hard = sum(1 for record in records if record.case != "plain")
    return IdentityBenchResult(options, len(world.children), len(records), hard, tallies)


def run_records(
    records: list[BenchRecord],
    resolver: Resolver,
    label: str,
    options: IdentityBenchOptions,
    root: Path,
) -> Tally:
    """Ingest every record through ``HubApplication`` with ``resolver``; tally against truth."""
    seen: dict[int, Resolution] = {}

    def observed(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
        resolution = resolver(uow, ids, subject)
        seen[id(subject)] = resolution
        return resolution

    app = _application(observed, options.store, root)
    try:
        began = time.perf_counter()
        for start in range(0, len(records), options.batch_size):
            batch = records[start : start + options.batch_size]
            messages = [
                InboundMessage("bench", 0, start + k, b"", record.fact)
                for k, record in enumerate(batch)
            ]
            app.ingest(messages, None)
        seconds = time.perf_counter() - began
        doubted = {
            event_id
            for child in app.doubted_children()
            for doubt in child.identity_doubts()
            for entries in doubt["links"].values()
            for event_id in entries
        }
    finally:
        app.close()
    return tally(records, seen, label, seconds, doubted)


def _application(resolver: Resolver, store: str, root: Path) -> HubApplication:
    class BenchHub(HubApplication):
        @staticmethod
        def resolve_subject(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
            return resolver(uow, ids, subject)

    if store == "memory":
        return BenchHub(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    settings = Settings(data_dir=root, kafka_bootstrap="unused")
    return BenchHub(env=store_env(settings, worker=True))


def tally(
    records: list[BenchRecord],
    seen: dict[int, Resolution],
    label: str,
    seconds: float,
    doubted: set[str] | None = None,
) -> Tally:
    """Compare each record's resolution with the truth, in the order the hub resolved them.

    ``doubted``: event ids of records whose link the hub put to a person by the end.
    """
    result = Tally(label, len(records), seconds)
    doubted = doubted or set()
    result.doubted_links = len(doubted)
    owner: dict[UUID, str] = {}
    known: dict[str, set[UUID]] = defaultdict(set)
    for record in records:
        subject = record.fact.subjects[0]
        resolution = seen[id(subject)]
        counts = result.by_case[record.case]
        counts["records"] += 1
        truth = record.true_child
        if resolution.outcome is Outcome.REVIEW:
            result.queued += 1
            counts["queued"] += 1
            if known[truth]:
                result.missed_links_queued += 1
            else:
                result.unknown_children_queued += 1
            continue
        if resolution.outcome is Outcome.NEW_CHILD or resolution.child is None:
            child_id = Child.create_id(first_event_id=record.fact.event_id, subject_index=0)
            result.new_children += 1
            counts["new"] += 1
            if known[truth]:
                result.wrong_new_children += 1
                counts["wrong_new"] += 1
            owner[child_id] = truth
            known[truth].add(child_id)
            continue
        child_id = resolution.child.id
        if resolution.via == "demographics":
            result.linked_by_demographics += 1
            counts["exact"] += 1
        else:
            result.linked_by_identifier += 1
            counts["identifier"] += 1
        if owner.get(child_id) != truth:
            result.wrong_merges += 1
            counts["wrong_merge"] += 1
            result.wrong_merges_doubted += record.fact.event_id in doubted
        known[truth].add(child_id)
    return result
