"""Whole runs: determinism, the default day's content, scale guards and the command line."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from hub.bootstrap import bootstrap
from hub.cli import generate_command
from synthetic import ConfigError, GeneratorConfig, default_start_date, generate
from tests.unit.test_generator_support import NOW, run


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_arguments_give_byte_identical_output(tmp_path: Path) -> None:
    """Two runs with the same seed write exactly the same files."""
    first = _files(run(tmp_path / "a", children=300, days=3))
    assert first == _files(run(tmp_path / "b", children=300, days=3))


def test_another_seed_gives_another_population(tmp_path: Path) -> None:
    """Changing the seed changes the population file."""
    first = run(tmp_path / "a", children=300, days=1, seed=1)
    second = run(tmp_path / "b", children=300, days=1, seed=2)
    assert (first / "population.jsonl").read_bytes() != (second / "population.jsonl").read_bytes()


def test_default_sized_sunday_has_a_and_e_police_and_cp_events(tmp_path: Path) -> None:
    """2,000 children on one day: several A&E visits, a police notification, a CP event."""
    config = GeneratorConfig(2000, 1, 1, date(2026, 11, 22))
    day = generate(config, tmp_path / "out", now=NOW).days[0]
    assert (day.a04 >= 4, day.police_notifications >= 1, day.cp_events >= 1) == (True, True, True)


def test_default_start_date_is_today_minus_days() -> None:
    """With --days 3 on 23 November the run starts on 20 November."""
    assert date(2026, 11, 20) == default_start_date(3, datetime(2026, 11, 23, 9, tzinfo=UTC))


def test_a_period_reaching_into_the_future_is_refused(tmp_path: Path) -> None:
    """A run ending after now raises ConfigError and writes nothing."""
    config = GeneratorConfig(100, 2, 1, date(2026, 11, 22))
    with pytest.raises(ConfigError):
        generate(config, tmp_path / "out", now=NOW)
    assert False is (tmp_path / "out").exists()


def test_a_non_empty_directory_is_refused_without_overwrite(tmp_path: Path) -> None:
    """A second run into the same directory needs overwrite."""
    run(tmp_path, children=50, days=1)
    with pytest.raises(ConfigError):
        run(tmp_path, children=50, days=1)


def test_overwrite_replaces_a_previous_run(tmp_path: Path) -> None:
    """With overwrite, old day directories of a longer run are removed."""
    run(tmp_path, children=50, days=3)
    generate(GeneratorConfig(50, 1, 3, date(2026, 11, 5)), tmp_path, now=NOW, overwrite=True)
    assert sorted(p.name for p in tmp_path.glob("day-*")) == ["day-001"]


def test_tiny_population_still_generates(tmp_path: Path) -> None:
    """Even a single child gives a complete, valid layout."""
    out = run(tmp_path, children=1, days=2)
    assert len((out / "population.jsonl").read_text().splitlines()) == 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hub")
    generate_command.register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cli_defaults() -> None:
    """Defaults: 2,000 children, one day, seed 1, start date computed at run time."""
    args = _parser().parse_args(["generate", "--out", "x"])
    assert (2000, 1, 1, None, Path("x")) == (
        args.children,
        args.days,
        args.seed,
        args.start_date,
        args.out,
    )


def test_cli_generates_and_returns_zero(tmp_path: Path) -> None:
    """``hub generate`` with a past start date writes the run and exits 0."""
    argv = ["generate", "--children", "100", "--days", "2", "--start-date", "2026-01-05"]
    args = _parser().parse_args([*argv, "--out", str(tmp_path / "o")])
    exit_code = args.func(args, bootstrap())
    assert (exit_code, (tmp_path / "o" / "day-002" / "ae.hl7").exists()) == (0, True)


def test_cli_future_start_date_exits_2(tmp_path: Path) -> None:
    """A start date in the future is refused with exit code 2."""
    args = _parser().parse_args(["generate", "--start-date", "2999-01-01", "--out", str(tmp_path)])
    assert args.func(args, bootstrap()) == 2
