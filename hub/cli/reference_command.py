"""``hub reference schools|organisations|postcodes FILE``: load the hub's reference data.

Schools (URN, name, safeguarding lead) go into the event store; the
organisation directory (code, type, name) that the lookup service checks
callers' certificates against is validated and kept under the data directory, as is
the postcode table (district or sector -> local authority) that routes concerns about
children with no other known authority (``hub.alerts.postcode_areas``).
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import Any

from hub.access.organisations import OrganisationDirectory, OrganisationFileError
from hub.alerts.postcode_areas import PostcodeAreas, PostcodeAreasError
from hub.bootstrap import System

SCHOOL_COLUMNS = ("urn", "name", "dsl_name", "dsl_email", "la_code")


def register(subparsers: Any) -> None:
    reference = subparsers.add_parser("reference", help="load reference data")
    which = reference.add_subparsers(dest="reference", required=True)
    schools = which.add_parser("schools", help="schools and their designated safeguarding leads")
    schools.add_argument("file", type=Path, help="CSV: " + ",".join(SCHOOL_COLUMNS))
    schools.set_defaults(func=load_schools)
    organisations = which.add_parser(
        "organisations", help="organisations allowed to call the hub's services (code,type,name)"
    )
    organisations.add_argument("file", type=Path, help="CSV: code,type,name")
    organisations.set_defaults(func=load_organisations)
    postcodes = which.add_parser(
        "postcodes",
        help="which local authority covers each postcode district or sector, for routing "
        "concerns about children with no other known authority",
    )
    postcodes.add_argument("file", type=Path, help="CSV: postcode_prefix,la_code")
    postcodes.set_defaults(func=load_postcodes)


def load_postcodes(args: argparse.Namespace, system: System) -> int:
    text = args.file.read_text(encoding="utf-8-sig")
    try:
        areas = PostcodeAreas.parse(text, str(args.file))
    except PostcodeAreasError as error:
        print(error, file=sys.stderr)
        return 1
    try:
        directory = system.directory()
    except OrganisationFileError as error:
        print(f"{error} (needed to check the table's authorities)", file=sys.stderr)
        return 1
    unknown = sorted({code for code in areas.prefixes.values() if directory.get(code) is None})
    if unknown:
        print(
            f"{args.file}: la_code: not in the organisation directory: {', '.join(unknown)}",
            file=sys.stderr,
        )
        return 1
    target = system.settings.postcode_areas_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(areas.to_csv(), encoding="utf-8")
    print(f"postcode areas: {len(areas)} prefixes loaded into {target}")
    return 0


def load_organisations(args: argparse.Namespace, system: System) -> int:
    text = args.file.read_text(encoding="utf-8-sig")
    try:
        directory = OrganisationDirectory.parse(text, str(args.file))
    except OrganisationFileError as error:
        print(error, file=sys.stderr)
        return 1
    target = system.settings.organisations_path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"organisations: {len(directory)} loaded into {target}")
    return 0


def load_schools(args: argparse.Namespace, system: System) -> int:
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
    app = system.application()
    changed = app.load_schools(rows)
    app.close()
    print(f"schools: {len(rows)} read, {changed} new or changed, {len(problems)} rejected")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
