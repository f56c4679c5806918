"""Garbage collection for the ingestion worker, whose heap is mostly long-lived aggregates.

CPython's collector repeatedly traverses every tracked object: in the worker,
mostly the cached aggregates (hundreds of thousands of chronology entries). In
the ingestion benchmark collections took a quarter of the worker's time
(docs/benchmarks.md). The worker is a batch processor, so it collects by batch
instead: every few batches it collects what those batches left behind and
freezes the survivors (``gc.freeze``), so later collections skip them. Young
collections are made rarer too.

Frozen objects are still freed by reference counting (an aggregate evicted from
the cache goes at once); only a reference cycle that was alive when frozen and
became garbage later would stay. To bound that, the whole heap is unfrozen and
collected every ``full_every_s`` seconds.
"""

from __future__ import annotations

import gc
import time

# Objects allocated (net) between young collections; CPython's default is 700.
YOUNG_THRESHOLD = 50_000


class BatchGarbageCollector:
    """Collect and freeze after every ``every_batches`` batches; fully every ``full_every_s``."""

    def __init__(self, *, every_batches: int = 4, full_every_s: float = 600.0) -> None:
        self.every_batches = every_batches
        self.full_every_s = full_every_s
        self._batches = 0
        self._last_full = 0.0
        self._saved_thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        self._saved_thresholds = gc.get_threshold()
        _, middle, old = self._saved_thresholds
        gc.set_threshold(YOUNG_THRESHOLD, middle, old)
        self._full()

    def after_batch(self) -> None:
        self._batches += 1
        if time.monotonic() - self._last_full > self.full_every_s:
            self._full()
        elif self._batches % self.every_batches == 0:
            gc.collect()
            gc.freeze()

    def stop(self) -> None:
        gc.unfreeze()
        if self._saved_thresholds is not None:
            gc.set_threshold(*self._saved_thresholds)
            self._saved_thresholds = None

    def _full(self) -> None:
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self._last_full = time.monotonic()
