"""Metrics of several server processes, summed and served by the process that started them.

``hub serve --processes N`` runs N lookup servers; each counts its own lookups.
prometheus-client's multiprocess mode has each child write its counters and
histograms to files in a shared directory (named by ``PROMETHEUS_MULTIPROC_DIR``
in the child's environment when it starts), and the parent serves their sums.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import CollectorRegistry

ENVIRONMENT = "PROMETHEUS_MULTIPROC_DIR"


def share_with_children(directory: Path) -> CollectorRegistry:
    """An empty ``directory`` for processes started from now on; a registry summing them.

    Only processes started afterwards (spawned: they import prometheus-client anew)
    write there; this process keeps its own metrics in memory, unserved by the registry.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[ENVIRONMENT] = str(directory)
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    return registry
