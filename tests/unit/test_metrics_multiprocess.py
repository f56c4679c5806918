"""Several server processes: what each counts is summed on their parent's endpoint."""

from __future__ import annotations

import multiprocessing
import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.metrics.multiprocess import ENVIRONMENT, share_with_children
from hub.metrics.server import MetricsServer


def count_refusals(times: int) -> None:
    """In a spawned child: refuse ``times`` lookups, as a lookup server process would."""
    from hub.lookup.lookup_metrics import LOOKUP_REFUSALS

    for _ in range(times):
        LOOKUP_REFUSALS.labels("PERMISSION_DENIED").inc()


@pytest.fixture
def restored_environment() -> Iterator[None]:
    before = os.environ.get(ENVIRONMENT)
    yield
    if before is None:
        os.environ.pop(ENVIRONMENT, None)
    else:
        os.environ[ENVIRONMENT] = before


def test_the_children_counts_are_summed(tmp_path: Path, restored_environment: None) -> None:
    """Two spawned children refuse 2 and 3 lookups; the parent's endpoint shows 5."""
    registry = share_with_children(tmp_path / "shared")
    context = multiprocessing.get_context("spawn")
    for times in (2, 3):
        child = context.Process(target=count_refusals, args=(times,))
        child.start()
        child.join(120)
        assert 0 == child.exitcode
    server = MetricsServer("127.0.0.1", 0, registry=registry).start()
    try:
        url = f"http://127.0.0.1:{server.port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as response:
            text = response.read().decode()
    finally:
        server.stop()
    values = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert 5 == values["hub_lookup_refusals_total", (("reason", "PERMISSION_DENIED"),)]
