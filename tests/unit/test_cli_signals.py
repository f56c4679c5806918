"""SIGTERM and SIGINT stop a long-running command, even two in quick succession."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from hub.cli.signals import stop_event_on_signals


@pytest.fixture
def restored_handlers() -> Iterator[None]:
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


@pytest.mark.usefixtures("restored_handlers")
def test_two_signals_while_waiting_set_the_event_without_deadlock() -> None:
    """Signals arriving while the main thread waits on (and then sets) the event: it is set."""
    stop = stop_event_on_signals()

    os.kill(os.getpid(), signal.SIGTERM)
    os.kill(os.getpid(), signal.SIGINT)

    assert stop.wait(timeout=5)
