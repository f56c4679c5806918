"""Stopping a long-running command on SIGTERM or SIGINT, safely from a signal handler."""

from __future__ import annotations

import signal
import threading
from types import FrameType


def stop_event_on_signals() -> threading.Event:
    """An event that SIGTERM or SIGINT sets.

    A handler runs on the main thread between two bytecodes, possibly while that thread
    holds the event's own lock (inside ``wait()`` or ``set()``, e.g. handling an earlier
    signal: `timeout` and a process manager can both send one). Setting the event there
    deadlocks, as `hub serve` did; so the handler sets it from a short-lived thread.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        threading.Thread(target=stop.set, name="stop-on-signal", daemon=True).start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop
