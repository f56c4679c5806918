"""Helpers shared by the generator tests: run the generator, read back what it wrote."""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from adapters import emergency_care
from adapters.hl7 import read_file
from synthetic import GeneratorConfig, generate

# A Thursday: the run covers two school days and a weekend.
START = date(2026, 11, 5)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def run(out: Path, children: int = 600, days: int = 4, seed: int = 3, start: date = START) -> Path:
    """Generate into ``out`` and return it."""
    generate(GeneratorConfig(children, days, seed, start), out, now=NOW)
    return out


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def day_dirs(out: Path) -> list[Path]:
    return sorted(path for path in out.iterdir() if path.name.startswith("day-"))


def hl7_messages(out: Path) -> list[dict[str, list[str]]]:
    """Every A&E message of the run: segment id -> fields (HL7 numbering, MSH shifted).

    Under ``"raw"``, the message's segments as written.
    """
    messages: list[dict[str, list[str]]] = []
    for day in day_dirs(out):
        for segment in re.split(r"\r|\n", (day / "ae.hl7").read_text(encoding="utf-8")):
            if not segment:
                continue
            fields = segment.split("|")
            if fields[0] == "MSH":
                fields = ["MSH", "|", *fields[1:]]
                messages.append({"raw": []})
            messages[-1][fields[0]] = fields
            messages[-1]["raw"].append(segment)
    return messages


def visit_reference(message: dict[str, list[str]]) -> str:
    """``<site code>/<visit number>/<A04|A03>``: the visit and the trigger."""
    return f"{message['MSH'][4]}/{message['PV1'][19]}/{message['MSH'][9].split('^')[1]}"


def hl7_reference(message: dict[str, list[str]]) -> str:
    """The record reference the adapter gives the message (with its digest)."""
    return emergency_care.record_reference(read_file("\r".join(message["raw"])).messages[0])


def notifications(out: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for day in day_dirs(out):
        found.extend(json.loads((day / "police.json").read_text(encoding="utf-8"))["notifications"])
    return found


def cp_rows(out: Path) -> list[dict[str, str]]:
    rows = csv_rows(out / "baseline" / "cp-plans.csv")
    for day in day_dirs(out):
        rows.extend(csv_rows(day / "cp-plans.csv"))
    return rows


def school_rows(out: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for day in day_dirs(out):
        rows.extend(csv_rows(day / "school-attendance.csv"))
    return rows
