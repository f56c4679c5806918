"""Generate a whole run into a directory: truth files, reference data, baseline, daily feeds."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TypeVar

from synthetic import clock
from synthetic.activity.absence import ABSENCE, Register
from synthetic.activity.attendances import plan_visits
from synthetic.activity.incidents import plan_incidents
from synthetic.activity.status_events import baseline_events, plan_status_events
from synthetic.config import ConfigError, GeneratorConfig
from synthetic.feeds.ae_hl7 import AeFeed
from synthetic.feeds.cp_csv import CscFeed
from synthetic.feeds.police_json import FORCE, PoliceFeed
from synthetic.feeds.postcode_areas import postcode_areas_csv
from synthetic.feeds.reference import organisations_csv, schools_csv, sites_csv
from synthetic.feeds.school_csv import register_csv
from synthetic.feeds.school_roll_csv import baseline_roll_csv, day_roll_csv
from synthetic.hard_cases import hard_case_lines
from synthetic.places import LOCAL_AUTHORITIES, TOWNS
from synthetic.rng import stream
from synthetic.sites import SITES
from synthetic.truth import GroundTruth
from synthetic.truth_files import child_line, household_line
from synthetic.world import build_world

OWN_FILES = (
    "population.jsonl",
    "households.jsonl",
    "ground-truth.jsonl",
    "ae-open-visits.jsonl",
    "identity-hard-cases.jsonl",
)
OWN_DIRS = ("reference", "baseline")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DayCounts:
    """What one day's feeds hold."""

    day: str
    date: str
    a04: int
    a03: int
    police_notifications: int
    school_rows: int
    absence_rows: int
    cp_events: int


@dataclass(slots=True)
class Summary:
    """What a run generated."""

    children: int
    households: int
    schools: int
    baseline_cp_rows: int
    still_in_department: int
    days: list[DayCounts] = field(default_factory=list)


def generate(
    config: GeneratorConfig, out_dir: Path, *, now: datetime | None = None, overwrite: bool = False
) -> Summary:
    """Write every file of the run into ``out_dir`` (see docs/native-formats.md for the layout)."""
    config.check(now or datetime.now(UTC))
    _prepare(out_dir, overwrite)
    seed = config.seed
    world = build_world(config)
    visits = plan_visits(world, stream(seed, "ae"))
    incidents = plan_incidents(world, stream(seed, "police"))
    baseline = baseline_events(world, stream(seed, "baseline"))
    changes = plan_status_events(world, stream(seed, "csc"))
    register = Register(world, stream(seed, "school"))
    messages = AeFeed(world, stream(seed, "ae-feed")).messages(visits)
    police = PoliceFeed(world, stream(seed, "police-feed"))
    csc = CscFeed(world, stream(seed, "csc-feed"))

    _write(
        out_dir / "population.jsonl",
        "".join(child_line(child, world.household_of(child)) for child in world.children),
    )
    _write(out_dir / "households.jsonl", "".join(household_line(h) for h in world.households))
    if config.hard_cases > 0:
        _write(out_dir / "identity-hard-cases.jsonl", hard_case_lines(world.children))
    _write(out_dir / "reference" / "schools.csv", schools_csv(world.schools.schools))
    _write(out_dir / "reference" / "sites.csv", sites_csv(SITES))
    _write(out_dir / "reference" / "postcode-areas.csv", postcode_areas_csv(TOWNS))
    practices = sorted({h.gp_practice.code: h.gp_practice for h in world.households}.items())
    _write(
        out_dir / "reference" / "organisations.csv",
        organisations_csv(
            SITES,
            LOCAL_AUTHORITIES,
            [practice for _, practice in practices],
            world.schools.schools,
            FORCE,
        ),
    )
    open_visits = [visit for visit in visits if visit.discharge is None]
    arrivals = {m.visit: m.record_reference for m in messages if m.trigger == "A04"}
    _write(
        out_dir / "ae-open-visits.jsonl",
        "".join(
            json.dumps(
                {
                    "record_reference": arrivals[(v.site.code, v.visit_number)],
                    "site_code": v.site.code,
                    "visit_number": v.visit_number,
                    "child_id": v.child_id,
                    "arrival": clock.iso(v.arrival),
                }
            )
            + "\n"
            for v in open_visits
        ),
    )
    summary = Summary(
        len(world.children),
        len(world.households),
        len(world.schools.schools),
        len(baseline),
        len(open_visits),
    )
    messages_by_day = _by_day(messages, lambda m: m.recorded_at)
    incidents_by_day = _by_day(incidents, lambda i: i.recorded_time)
    changes_by_day = _by_day(changes, lambda e: e.recorded_at)
    with GroundTruth(out_dir / "ground-truth.jsonl") as truth:
        text, rows = csc.csv(baseline)
        _write(out_dir / "baseline" / "cp-plans.csv", text)
        for reference, child_id in rows:
            truth.add("csc", reference, [child_id])
        # The rolls' records name pupils the registers already name (same UPNs and local
        # ids), so they add nothing to the ground truth, which stays as it was.
        _write(out_dir / "baseline" / "school-roll.csv", baseline_roll_csv(world)[0])
        for number, day in enumerate(config.dates, start=1):
            day_dir = out_dir / f"day-{number:03d}"
            day_messages = messages_by_day.get(day, [])
            _write(day_dir / "ae.hl7", "".join(message.text for message in day_messages))
            for message in day_messages:
                truth.add("ae", message.record_reference, [message.child_id])
            text, notifications = police.document(day, incidents_by_day.get(day, []))
            _write(day_dir / "police.json", text)
            for reference, child_ids in notifications:
                truth.add("police", reference, child_ids)
            marks = register.marks(day)
            text, absences = register_csv(world, marks)
            _write(day_dir / "school-attendance.csv", text)
            for reference, child_id in absences:
                truth.add("school", reference, [child_id])
            _write(day_dir / "school-roll.csv", day_roll_csv(world, day)[0])
            text, rows = csc.csv(changes_by_day.get(day, []))
            _write(day_dir / "cp-plans.csv", text)
            for reference, child_id in rows:
                truth.add("csc", reference, [child_id])
            summary.days.append(
                DayCounts(
                    day=day_dir.name,
                    date=day.isoformat(),
                    a04=sum(1 for m in day_messages if m.trigger == "A04"),
                    a03=sum(1 for m in day_messages if m.trigger == "A03"),
                    police_notifications=len(notifications),
                    school_rows=len(marks),
                    absence_rows=sum(1 for mark in marks if mark.code in ABSENCE),
                    cp_events=len(rows),
                )
            )
    return summary


def _by_day(items: list[T], when: Callable[[T], datetime]) -> dict[date, list[T]]:
    """Group ``items`` by the local date of ``when(item)``, keeping their order."""
    grouped: dict[date, list[T]] = defaultdict(list)
    for item in items:
        grouped[clock.local_date(when(item))].append(item)
    return dict(grouped)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _prepare(out_dir: Path, overwrite: bool) -> None:
    """Refuse to mix runs: the directory must be empty, or ``overwrite`` clears our own files."""
    if not out_dir.exists():
        return
    existing = sorted(out_dir.iterdir())
    if not existing:
        return
    if not overwrite:
        raise ConfigError(f"{out_dir} is not empty (use --overwrite to replace a previous run)")
    for path in existing:
        ours_dir = path.is_dir() and (path.name in OWN_DIRS or path.name.startswith("day-"))
        if ours_dir:
            shutil.rmtree(path)
        elif path.name in OWN_FILES:
            path.unlink()
