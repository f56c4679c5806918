"""Noticing a consumer that has work waiting but fetches nothing, so the worker can start afresh.

kafka-python 3.0 can lose its group coordinator and wait for a lookup that never
completes (seen in tests: a worker with known lag polled for five minutes without a
record, and its LeaveGroup on close was answered "unknown member"). Nothing in the
hub is wrong then, but nothing moves either. A worker that is behind (an assigned
partition's known end is beyond its position) and has neither fetched nor applied a
record for ``after_s`` seconds is stalled; the worker then closes its consumer and
joins the group again with a new one. That is safe at any moment: positions live in
the database with the effects, and a new assignment seeks to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

STALL_AFTER_S = 30.0


class StallWatch:
    """Says when a consumer that is behind has made no progress for ``after_s`` seconds."""

    def __init__(
        self, after_s: float = STALL_AFTER_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if after_s <= 0:
            raise ValueError("the stall timeout must be positive")
        self.after_s = after_s
        self._clock = clock
        self._since = clock()

    def restart(self) -> None:
        """Count from now (a run starting, after time spent waiting for the broker's metadata)."""
        self._since = self._clock()

    def stalled(self, *, progressed: bool, behind: bool) -> bool:
        """Observe one turn of the loop; True once per ``after_s`` without progress while behind."""
        now = self._clock()
        if progressed or not behind:
            self._since = now
            return False
        if now - self._since >= self.after_s:
            self._since = now  # the next verdict comes only after another full period
            return True
        return False
