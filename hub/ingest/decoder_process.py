"""Decoding on a second core: Avro decode and translation in a helper process.

Decoding and translating a message took about a third of the ingestion
worker's time, all of it independent of the hub's state. The worker hands
each fetched batch of message values to a helper process as soon as it is
fetched, so decoding overlaps with applying earlier chunks, and receives the
facts back in the compact form of ``hub.ingest.fact_wire``.

Nothing about delivery changes: the worker still applies chunks in order and
records positions with their effects; the helper only turns bytes into facts,
which is a pure function of the bytes. If the helper fails for any reason the
worker decodes in its own process (and says so in the log), so a lost helper
costs speed, never data.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import multiprocessing
import os
import signal
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog

from hub.application.facts import AgencyFact
from hub.ingest import fact_wire
from hub.ingest.decoding import FactCodec
from hub.ingest.translate import TranslationError
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR
from hub.wire.codec import WireError

log = structlog.get_logger(__name__)

_OK = 0
_REJECTED = 1


@dataclass(frozen=True)
class Rejected:
    """A message that cannot be used, with the dead-letter reason and detail."""

    reason: str
    detail: str


Decoded = AgencyFact | Rejected


def decode_one(codec: FactCodec, value: bytes) -> Decoded:
    try:
        return codec.decode_fact(value)
    except (WireError, TranslationError) as error:
        return Rejected(error.reason, str(error))


# In the helper process ---------------------------------------------------------------------

_helper_codec: FactCodec | None = None


def _start_helper(parent_pid: int, schemas_dir: Path) -> None:
    global _helper_codec
    # Ctrl-C reaches the whole process group; the worker decides when to stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _helper_codec = FactCodec(schemas_dir)
    threading.Thread(target=_exit_with_parent, args=(parent_pid,), daemon=True).start()


def _exit_with_parent(parent_pid: int) -> None:
    # A worker killed with SIGKILL cannot stop its helper; the helper notices it was orphaned.
    while os.getppid() == parent_pid:
        time.sleep(0.5)
    os._exit(0)


def _ready() -> bool:
    return _helper_codec is not None


def _decode_values(values: list[bytes]) -> bytes:
    codec = _helper_codec
    assert codec is not None, "the helper's initializer did not run"
    items: list[Any] = []
    for value in values:
        decoded = decode_one(codec, value)
        if isinstance(decoded, Rejected):
            items.append((_REJECTED, decoded.reason, decoded.detail))
        else:
            items.append((_OK, fact_wire.flatten(decoded)))
    return fact_wire.dumps(items)


# In the worker -----------------------------------------------------------------------------

# Batches handed to the helper at once. Few enough that a batch needed sooner, fetched
# later, does not queue behind much; enough to keep the helper busy while a chunk is applied.
IN_FLIGHT = 8
# A slice takes the helper tens of milliseconds; one not back after this is decoded here.
HELPER_TIMEOUT_S = 60.0


class DecodedBatch:
    """The decoded form of one fetched batch of values, ready when first asked for."""

    def __init__(self, values: list[bytes], decoder: DecoderProcess):
        self.values = values
        self.future: Future[bytes] | None = None
        self.claimed = False  # taken by the worker: not to be handed to the helper any more
        self._decoder = decoder
        self._items: list[Any] | None = None

    def get(self, index: int) -> Decoded:
        items = self._items
        if items is None:
            self.claimed = True
            items = self._items = self._decoder.receive(self)
        item = items[index]
        if isinstance(item, tuple):
            if item[0] == _OK:
                return fact_wire.unflatten(item[1])
            return Rejected(item[1], item[2])
        return item  # type: ignore[no-any-return]


class DecoderProcess:
    """Decodes batches of values in ``processes`` helper processes (0: in this process).

    Batches wait in order of need (the ``order`` given with each, lowest first) and at
    most ``IN_FLIGHT`` per helper are handed over at a time, so one fetched later but
    needed sooner does not queue behind many others. One the worker needs before it was
    handed over is decoded by the worker itself: when the helper is behind, the two share
    the work.
    """

    def __init__(self, processes: int = 1, schemas_dir: Path = DEFAULT_SCHEMAS_DIR) -> None:
        self._local = FactCodec(schemas_dir)
        self._executor: ProcessPoolExecutor | None = None
        self._waiting: list[tuple[Any, int, weakref.ref[DecodedBatch]]] = []
        self._in_flight: list[Future[bytes]] = []
        self._limit = IN_FLIGHT * processes
        self._sequence = itertools.count()
        if processes > 0:
            # spawn, not fork: the worker runs kafka-python's IO thread.
            self._executor = ProcessPoolExecutor(
                max_workers=processes,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_helper,
                initargs=(os.getpid(), schemas_dir),
            )
            # Start the helper now: it takes about half a second to import and get ready.
            self._executor.submit(_ready)

    def submit(self, values: Sequence[bytes], order: Any = 0) -> DecodedBatch:
        batch = DecodedBatch(list(values), self)
        if self._executor is not None:
            heapq.heappush(self._waiting, (order, next(self._sequence), weakref.ref(batch)))
            self._hand_over()
        return batch

    def receive(self, batch: DecodedBatch) -> list[Any]:
        """The batch's decoded items: from the helper if handed over, else decoded here."""
        items: list[Any] | None = None
        if batch.future is not None:
            try:
                items = fact_wire.loads(batch.future.result(timeout=HELPER_TIMEOUT_S))
            except Exception as error:  # the helper died, hung or returned something unusable
                log.error("decoder_process_failed_decoding_locally", error=type(error).__name__)
                self._abandon_helper()
        self._hand_over()
        if items is None:
            items = [decode_one(self._local, value) for value in batch.values]
        return items

    def _hand_over(self) -> None:
        if self._executor is None:
            return
        self._in_flight = [future for future in self._in_flight if not future.done()]
        while self._waiting and len(self._in_flight) < self._limit:
            _, _, reference = heapq.heappop(self._waiting)
            batch = reference()
            if batch is None or batch.claimed:  # dropped (trimmed, revoked) or taken
                continue
            try:
                batch.future = self._executor.submit(_decode_values, batch.values)
            except Exception as error:  # a broken pool: decode here from now on
                log.error(
                    "decoder_process_unavailable_decoding_locally", error=type(error).__name__
                )
                self._abandon_helper()
                return
            self._in_flight.append(batch.future)

    def _abandon_helper(self) -> None:
        if self._executor is not None:
            # A hung helper would never exit by itself (Python 3.14 has terminate_workers()).
            for pid in list(getattr(self._executor, "_processes", None) or {}):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = None
        self._waiting.clear()
        self._in_flight.clear()

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
