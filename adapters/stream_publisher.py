"""Publishing one event at a time from asyncio, answered only once the cluster has it.

For a listener that must acknowledge each message to its sender (MLLP): ``publish``
returns when the event is acknowledged by all in-sync replicas (``acks=all``,
idempotent producer) and entered in the publish ledger, and says whether this call
published it (``True``) or found it already published (``False``).

Delivery guarantee and duplicates: an event id the ledger holds for this cluster is not
sent again; nor is one being published at this moment for another sender (the second
caller waits for the first and is told "already published"; if the first fails, both
fail). The ledger is written after the broker's acknowledgement, in one transaction for
every acknowledgement that arrived together (a group commit); a crash in between can
publish an event again, which the hub recognises by its deterministic event id.
The producer's I/O thread hands acknowledgements to the event loop; the ledger (SQLite)
is only touched on the loop's thread.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import structlog

from adapters.ledger import LedgerLocation, open_publish_ledger
from adapters.publisher import cluster_id_of, headers_for, new_producer
from adapters.records import OutboundEvent
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import SingleObjectCodec

log = structlog.get_logger(__name__)


class NotPublishedError(RuntimeError):
    """The cluster did not acknowledge the event (in time); the sender should send again."""


class StreamPublisher:
    """Events to one topic, one ``await publish(event)`` each; close when done."""

    def __init__(
        self,
        bootstrap_servers: str,
        ledger: LedgerLocation,
        topic: str,
        *,
        timeout_s: float = 30.0,
        linger_ms: int = 0,
        schemas_dir: Path = DEFAULT_SCHEMAS_DIR,
    ) -> None:
        self.topic = topic
        self._timeout_s = timeout_s
        self._codec = SingleObjectCodec(default_catalogue(schemas_dir))
        self.cluster_id = cluster_id_of(bootstrap_servers)
        self._producer = new_producer(
            bootstrap_servers,
            linger_ms=linger_ms,
            max_block_ms=int(timeout_s * 1000),
            delivery_timeout_ms=int(timeout_s * 1000),
            request_timeout_ms=int(timeout_s * 500),
        )
        self._ledger = open_publish_ledger(ledger)
        self._in_flight: dict[str, asyncio.Future[BaseException | None]] = {}
        self._rows: list[tuple[str, str, int, int]] = []
        self._rows_written: asyncio.Future[None] | None = None

    def warm_up(self) -> None:
        """Fetch the topic's metadata now (blocking), not on the first message."""
        self._producer.partitions_for(self.topic)

    async def publish(self, event: OutboundEvent) -> bool:
        """True once the cluster acknowledged it; False if it was already published."""
        event_id = event.event_id
        running = self._in_flight.get(event_id)
        if running is not None:
            failure = await asyncio.shield(running)
            if failure is not None:
                raise NotPublishedError(str(failure)) from failure
            return False
        if self._ledger.already_published(self.cluster_id, [event_id]):
            return False
        value = self._codec.encode(event.schema_name, event.record)  # RecordValidationError
        loop = asyncio.get_running_loop()
        outcome: asyncio.Future[BaseException | None] = loop.create_future()
        self._in_flight[event_id] = outcome
        try:
            row = await self._send(loop, event, value)
            await self._record(loop, row)
        except BaseException as error:
            outcome.set_result(error)
            if isinstance(error, Exception) and not isinstance(error, NotPublishedError):
                raise NotPublishedError(f"{type(error).__name__}: {error}") from error
            raise
        else:
            outcome.set_result(None)
        finally:
            del self._in_flight[event_id]
        return True

    async def _send(
        self, loop: asyncio.AbstractEventLoop, event: OutboundEvent, value: bytes
    ) -> tuple[str, str, int, int]:
        acknowledged: asyncio.Future[Any] = loop.create_future()

        def settle(result: Any, error: BaseException | None) -> None:
            if acknowledged.done():
                return
            if error is None:
                acknowledged.set_result(result)
            else:
                acknowledged.set_exception(error)

        future = self._producer.send(
            self.topic, key=event.key.encode(), value=value, headers=headers_for(event)
        )
        future.add_callback(lambda metadata: loop.call_soon_threadsafe(settle, metadata, None))
        future.add_errback(lambda error: loop.call_soon_threadsafe(settle, None, error))
        try:
            metadata = await asyncio.wait_for(acknowledged, self._timeout_s)
        except TimeoutError:
            raise NotPublishedError(f"no acknowledgement in {self._timeout_s:g}s") from None
        return (event.event_id, metadata.topic, metadata.partition, metadata.offset)

    async def _record(
        self, loop: asyncio.AbstractEventLoop, row: tuple[str, str, int, int]
    ) -> None:
        """Enter ``row`` in the ledger with every other acknowledgement of this loop turn."""
        self._rows.append(row)
        if self._rows_written is None:
            self._rows_written = loop.create_future()
            loop.call_soon(self._write_rows)
        await asyncio.shield(self._rows_written)

    def _write_rows(self) -> None:
        rows, self._rows = self._rows, []
        written, self._rows_written = self._rows_written, None
        try:
            self._ledger.record(self.cluster_id, rows)
        except Exception as error:
            # The events are on the cluster; a ledger that missed them costs a re-send at most.
            log.error("publish_ledger_write_failed", rows=len(rows), error=type(error).__name__)
        if written is not None:
            written.set_result(None)

    def close(self) -> None:
        self._producer.close(timeout=self._timeout_s)
        self._ledger.close()
