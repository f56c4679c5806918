"""``hub generate``: a synthetic population and each agency's native exports, into a directory."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from hub.bootstrap import System
from hub.cli.arguments import positive_int
from synthetic import ConfigError, GeneratorConfig, default_start_date, generate


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``generate`` sub-command."""
    parser = subparsers.add_parser(
        "generate",
        help="generate synthetic agency exports",
        description=(
            "Generate a synthetic population of children and the native exports of A&E, "
            "police, schools and children's social care, day by day (see "
            "docs/native-formats.md). Same arguments, same bytes."
        ),
    )
    parser.add_argument(
        "--children", type=positive_int, default=2000, help="children (default 2000)"
    )
    parser.add_argument("--days", type=positive_int, default=1, help="days of feeds (default 1)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument(
        "--start-date",
        type=date.fromisoformat,
        default=None,
        help="first day, YYYY-MM-DD (default: today minus DAYS, so nothing is in the future)",
    )
    parser.add_argument(
        "--hard-cases",
        type=_share,
        default=0.0,
        metavar="SHARE",
        help="share of children made hard to identify, with ground truth in "
        "identity-hard-cases.jsonl: near-name twins and triplets (Ava/Eva, Jon/Joan), "
        "misspellings, nicknames, transposed day and month of birth, a surname change "
        "of a child on a plan (default 0: none, and files as before; try 0.05)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace a previous run in a non-empty --out"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, system: System) -> int:
    """Generate as asked; print a per-day summary. Exit code 2 if the request is impossible."""
    start = args.start_date or default_start_date(args.days)
    config = GeneratorConfig(args.children, args.days, args.seed, start, args.hard_cases)
    began = time.perf_counter()
    try:
        summary = generate(config, args.out, overwrite=args.overwrite)
    except ConfigError as error:
        print(f"hub generate: {error}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - began
    print(
        f"{summary.children} children in {summary.households} households, "
        f"{summary.schools} schools, {summary.baseline_cp_rows} baseline CP rows, "
        f"written to {args.out} in {elapsed:.1f} s"
    )
    for day in summary.days:
        print(
            f"{day.day} {day.date}: A&E {day.a04} A04 + {day.a03} A03, "
            f"police {day.police_notifications}, school rows {day.school_rows} "
            f"({day.absence_rows} absences), CP events {day.cp_events}"
        )
    if summary.still_in_department:
        print(f"{summary.still_in_department} visit(s) still in the department at the end")
    return 0


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be a share between 0 and 1")
    return value
