"""A kept lookup-benchmark store is reused only for the same children, seed and population."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.lookup_population import POPULATION, build_population
from bench.lookup_store import MARKER, prepare_store
from hub.config import Settings

HELD = {"events": 70, "seconds": 1.0, "loaded_on": "2026-12-04"}


def _settings(data_dir: Path, **marker: object) -> Settings:
    (data_dir / MARKER).write_text(json.dumps({**HELD, **marker}), encoding="utf-8")
    return Settings(data_dir=data_dir, kafka_bootstrap="127.0.0.1:1")


def test_a_store_of_the_same_population_is_reused(tmp_path: Path) -> None:
    """Same count, seed and population builder: the store is reused, nothing loaded."""
    population = build_population(30, seed=1)
    settings = _settings(tmp_path, children=30, seed=1, population=POPULATION)
    report = prepare_store(settings, population, seed=1)
    assert (True, 30, 70) == (report.reused, report.children, report.events)


def test_a_store_of_an_earlier_population_builder_is_refused(tmp_path: Path) -> None:
    """A store loaded before the one population builder (no population noted) is not reused."""
    population = build_population(30, seed=1)
    settings = _settings(tmp_path, children=30, seed=1)
    with pytest.raises(SystemExit, match=r"an earlier population, not synthetic\.population"):
        prepare_store(settings, population, seed=1)
