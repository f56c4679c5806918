"""Helpers for ingestion tests: per-test topics, publishing generated feeds, reading hub state."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from hub.application.hub_app import HubApplication
from hub.bootstrap import build_application
from hub.config import Settings
from hub.ingest.worker import IngestWorker
from hub.ingest.worker_stats import WorkerStats

DAY_FILES = (
    ("csc", "cp-plans.csv"),
    ("ae", "ae.hl7"),
    ("police", "police.json"),
    ("school", "school-attendance.csv"),
)
AGENCY_NAMES = {
    "ae": "EMERGENCY_CARE",
    "police": "POLICE",
    "school": "SCHOOL",
    "school-roll": "SCHOOL",
    "csc": "CHILDRENS_SOCIAL_CARE",
}


@dataclass(frozen=True)
class TopicSet:
    """A private set of agency topics (and dead-letter topic) for one test."""

    prefix: str

    @classmethod
    def fresh(cls) -> TopicSet:
        return cls(prefix=f"t{uuid.uuid4().hex[:8]}.")

    def agency(self, name: str) -> str:
        return f"{self.prefix}{ADAPTERS[name].topic}"

    @property
    def agencies(self) -> list[str]:
        return [self.agency(name) for name in ("ae", "police", "school", "csc")]

    @property
    def dead_letter(self) -> str:
        return f"{self.prefix}hub.dead-letter"


@dataclass
class Published:
    """What was sent: (agency, record reference, event id) per event, each id once.

    ``evidence`` holds the ids of register evidence (a week's present marks): sent,
    and a child's school because of it, but no chronology entry and no ground truth.
    """

    events: list[tuple[str, str, str]] = field(default_factory=list)
    evidence: set[str] = field(default_factory=set)


def generated_files(out: Path) -> list[tuple[str, Path]]:
    files: list[tuple[str, Path]] = [("csc", out / "baseline" / "cp-plans.csv")]
    for day in sorted(out.glob("day-*")):
        files.extend((agency, day / name) for agency, name in DAY_FILES if (day / name).exists())
    return files


def publish_generated(bootstrap: str, out: Path, test_topics: TopicSet, ledger: Path) -> Published:
    """Publish the baseline and every day's exports of a generated directory."""
    published = Published()
    sent: set[str] = set()
    with EventPublisher(bootstrap, ledger) as publisher:
        for agency, path in generated_files(out):
            export = ADAPTERS[agency].read(path)
            report = publisher.publish(agency, path, test_topics.agency(agency), export)
            assert report.rejected == [], [r.describe() for r in report.rejected[:3]]
            for event in export.events:
                if event.event_id in sent:  # a week's present marks, already sent that week
                    continue
                sent.add(event.event_id)
                envelope = event.record["envelope"]
                published.events.append(
                    (AGENCY_NAMES[agency], envelope["record_reference"], str(envelope["event_id"]))
                )
                if event.record.get("evidence") == "REGISTER":
                    published.evidence.add(event.event_id)
    return published


def hub_app(data_dir: Path, *, worker: bool) -> HubApplication:
    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused")
    return build_application(settings, worker=worker)


def run_worker(
    bootstrap: str, data_dir: Path, test_topics: TopicSet, group: str, batch_size: int = 500
) -> WorkerStats:
    worker = IngestWorker(
        hub_app(data_dir, worker=True),
        bootstrap,
        group_id=group,
        batch_size=batch_size,
        subscribe_to=test_topics.agencies,
        dead_letter_topic=test_topics.dead_letter,
    )
    return worker.run(until_idle=True)


def ground_truth(out: Path) -> dict[tuple[str, str], list[str]]:
    """(agency, record reference) -> generator child ids, from ``ground-truth.jsonl``."""
    truth: dict[tuple[str, str], list[str]] = {}
    with (out / "ground-truth.jsonl").open() as handle:
        for line in handle:
            row: dict[str, Any] = json.loads(line)
            truth[(AGENCY_NAMES[row["agency"]], row["record_reference"])] = list(row["child_ids"])
    return truth


@dataclass
class TruthComparison:
    """How the hub's children compare with the generator's."""

    wrong_merges: list[str] = field(default_factory=list)
    lost: list[tuple[str, str, str]] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    split_children: list[str] = field(default_factory=list)
    queued: int = 0
    children: int = 0


def compare_with_truth(
    app: HubApplication, truth: dict[tuple[str, str], list[str]], published: Published
) -> TruthComparison:
    """A hub child must be one generator child (the one every entry is about); no event lost."""
    result = TruthComparison()
    held: dict[str, set[str]] = defaultdict(set)
    records_of: dict[str, int] = defaultdict(int)
    for child_id in app.all_child_ids():
        child = app.get_child(child_id)
        result.children += 1
        event_ids = [e.event_id for e in child.entries]
        if len(event_ids) != len(set(event_ids)):
            result.duplicated.append(str(child_id))
        about = [set(truth[(e.agency, e.source_reference)]) for e in child.entries]
        common = set.intersection(*about) if about else set()
        if about and not common:
            result.wrong_merges.append(str(child_id))
        if len(common) == 1:
            records_of[next(iter(common))] += 1
        for generator_child in common:
            held[generator_child].update(event_ids)
    queued = {case.event_id for case in app.open_cases()}
    result.queued = len(queued)
    for agency, reference, event_id in published.events:
        if event_id in published.evidence:
            continue
        for generator_child in truth[(agency, reference)]:
            if event_id not in held[generator_child] and event_id not in queued:
                result.lost.append((agency, reference, generator_child))
    result.split_children = [c for c, n in records_of.items() if n > 1]
    return result


def hub_state(app: HubApplication) -> dict[str, Any]:
    """Order-independent view: which event ids sit together on one child, plans, and the queue."""
    children = set()
    for child_id in app.all_child_ids():
        child = app.get_child(child_id)
        plan = tuple(sorted((child.plan or {}).items()))
        children.add((frozenset(e.event_id for e in child.entries), plan, child.looked_after))
    queued = frozenset((case.event_id, case.subject_index) for case in app.open_cases())
    return {"children": children, "queued": queued}
