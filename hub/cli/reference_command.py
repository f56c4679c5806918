"""``hub reference schools FILE``: load the schools directory (URN, name, safeguarding lead)."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from hub.bootstrap import build_application
from hub.config import Settings

SCHOOL_COLUMNS = ("urn", "name", "dsl_name", "dsl_email", "la_code")


def register(subparsers: Any) -> None:
    reference = subparsers.add_parser("reference", help="load reference data")
    which = reference.add_subparsers(dest="reference", required=True)
    schools = which.add_parser("schools", help="schools and their designated safeguarding leads")
    schools.add_argument("file", type=Path, help="CSV: " + ",".join(SCHOOL_COLUMNS))
    schools.set_defaults(func=load_schools)


def load_schools(args: argparse.Namespace) -> int:
    rows, problems = [], []
    with args.file.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in SCHOOL_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            print(
                f"{args.file}:1: (header): missing columns: {', '.join(missing)}", file=sys.stderr
            )
            return 1
        for row in reader:
            if not row["urn"].strip().isdigit():
                problems.append(f"{args.file}:{reader.line_num}: urn: not a URN: {row['urn']!r}")
                continue
            rows.append({c: (row[c] or "").strip() for c in SCHOOL_COLUMNS})
    app = build_application(Settings.from_env())
    changed = app.load_schools(rows)
    app.close()
    print(f"schools: {len(rows)} read, {changed} new or changed, {len(problems)} rejected")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
