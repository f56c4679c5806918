"""The ingestion worker: a Kafka consumer group member feeding the hub application.

Delivery guarantee: effectively exactly once. For each partition chunk the
decoded events and the partition position (next offset) are committed in one
database transaction (an eventsourcing tracking record). Chunks are applied
in a deterministic order (see ``hub.ingest.ordering``), so a restart or a
rebuild from the same topics reaches the same state. On assignment the
worker seeks to the positions stored in the database, not to Kafka's
committed offsets, which are written afterwards only so that lag can be
monitored. Undecodable or invalid messages go to the dead-letter topic,
flushed before their batch commits. Agency event ids make any re-sent record
a no-op.

Throughput: fetched records are decoded in a helper process
(``hub.ingest.decoder_process``) while earlier chunks are applied, in the order
the chunks will need them, and garbage is collected by batch
(``hub.ingest.garbage``). Neither changes what is applied or when it commits.

The module is about 500 lines: it is one consumer loop (fetch, flow control,
chunks in order, dead letters, the commit of events with positions), whose steps share
the consumer's and the decoder's state; splitting them would pass that state around.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, NamedTuple

import structlog
from eventsourcing.persistence import IntegrityError, Tracking
from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import IllegalStateError
from kafka.structs import OffsetAndMetadata

from hub import topics
from hub.application.hub_app import HubApplication, InboundMessage, tracking_name
from hub.eventstore.sqlite_store import WalCheckpointer, sqlite_path
from hub.ingest.consumer_timeouts import ConsumerTimeouts
from hub.ingest.dead_letters import DeadLetterPublisher
from hub.ingest.decoder_process import DecodedBatch, DecoderProcess, Rejected
from hub.ingest.garbage import BatchGarbageCollector
from hub.ingest.lease import Lease
from hub.ingest.ordering import Chunk, ChunkScheduler, PartitionKey
from hub.ingest.stall import STALL_AFTER_S, StallWatch
from hub.ingest.worker_stats import WorkerStats
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR

log = structlog.get_logger(__name__)

# Decoding is handed over in slices, so the first chunk of a poll can start early.
DECODE_SLICE = 500
POLL_AHEAD_CHUNKS = 4
REJOIN_AFTER_S = 10.0
ENDS_REFRESH_S = 5.0
OFFSET_COMMIT_TIMEOUT_MS = 5000  # on stop; a broker that is down must not hold the exit
MAX_REJOIN_AFTER_S = 300.0
LEASE_CHECK_IDLE_S = 1.0  # while nothing is committed; before each commit in any case


class _NoteRebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Runs on kafka-python's IO thread, which must not block: only note what changed."""

    def __init__(self) -> None:
        self.assigned: list[TopicPartition] = []
        self.revoked: list[TopicPartition] = []

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.revoked.extend(revoked)

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.assigned.extend(assigned)


class IngestWorker:
    """Consumes the agency topics until stopped (or until idle) and applies them."""

    def __init__(
        self,
        app: HubApplication,
        bootstrap_servers: str,
        *,
        group_id: str,
        batch_size: int = 2000,
        subscribe_to: Sequence[str] = topics.AGENCY_TOPICS,
        dead_letter_topic: str = topics.DEAD_LETTER,
        decode_processes: int = 1,
        collect_by_batch: bool = True,
        schemas_dir: Path = DEFAULT_SCHEMAS_DIR,
        stall_after_s: float = STALL_AFTER_S,
        timeouts: ConsumerTimeouts | None = None,
        lease: Lease | None = None,
    ) -> None:
        self.app = app
        self._timeouts = timeouts or ConsumerTimeouts()
        self._lease = lease  # checked before each commit: raises LeaseLostError once it is gone
        self._lease_checked = 0.0
        self.stats = WorkerStats()
        self._decoder = DecoderProcess(decode_processes, schemas_dir)
        self._garbage = BatchGarbageCollector() if collect_by_batch else None
        store_file = sqlite_path(app)
        self._checkpointer = WalCheckpointer(store_file) if store_file else None
        self._stopping = False
        self._topics = list(subscribe_to)
        self._bootstrap_servers = bootstrap_servers
        self._group_id = group_id
        self._max_poll_records = batch_size * (POLL_AHEAD_CHUNKS if decode_processes else 1)
        self._consumer = self._new_consumer()
        self._dead_letters = DeadLetterPublisher(bootstrap_servers, dead_letter_topic)
        self.scheduler = ChunkScheduler(batch_size)
        self._rebalance = _NoteRebalance()
        self._buffer_limit = max(20 * batch_size, 10_000)
        self._ends_refreshed = 0.0
        self._kafka_offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        self._stall = StallWatch(stall_after_s)
        self._records_fetched = 0

    def _new_consumer(self) -> KafkaConsumer:
        return KafkaConsumer(
            bootstrap_servers=self._bootstrap_servers,
            group_id=self._group_id,
            client_id="hub-worker",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            # Several chunks per poll, so the decoder process works ahead of the application.
            max_poll_records=self._max_poll_records,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            # New agency topics (and their partitions) are noticed within seconds, not minutes.
            metadata_max_age_ms=5000,
            **self._timeouts.kafka_options(),
        )

    def _reconnect(self) -> None:
        """Replace a stalled consumer: leave the group, join again, resume from stored positions."""
        log.warning(
            "consumer_stalled_reconnecting",
            after_s=self._stall.after_s,
            lag=sum(lag for _, lag in self.scheduler.lags()),
        )
        self.stats.reconnects += 1
        try:
            self._consumer.close(autocommit=False, timeout_ms=OFFSET_COMMIT_TIMEOUT_MS)
        except Exception as error:  # a consumer that is stuck may fail to close cleanly
            log.warning("stalled_consumer_close_failed", error=type(error).__name__)
        for key in self.scheduler.partitions():
            self.scheduler.revoke(key)
        self._kafka_offsets.clear()
        self._rebalance = _NoteRebalance()
        self._consumer = self._new_consumer()
        self._await_topic_metadata(10.0)
        self._consumer.subscribe(self._topics, listener=self._rebalance)

    def stop(self, *_: object) -> None:
        self._stopping = True

    def install_signal_handlers(self) -> None:
        def handler(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def _rebalanced(self) -> set[TopicPartition]:
        """Apply noted revocations and assignments; return the partitions just (re)assigned."""
        for partition in self._rebalance.revoked:
            self.scheduler.revoke(PartitionKey(partition.topic, partition.partition))
            self._kafka_offsets.pop(partition, None)  # the new owner reports its own lag
        assigned = list(self._rebalance.assigned)
        self._rebalance.revoked.clear()
        self._rebalance.assigned.clear()
        self.resume(assigned)
        return set(assigned)

    def resume(self, assigned: list[TopicPartition]) -> None:
        """Seek newly assigned partitions to the stored positions (or their beginning)."""
        if not assigned:
            return
        beginnings = self._consumer.beginning_offsets(assigned)
        for partition in assigned:
            stored = self.app.position(partition.topic, partition.partition)
            position = beginnings[partition] if stored is None else stored
            self._consumer.seek(partition, position)
            self.scheduler.assign(PartitionKey(partition.topic, partition.partition), position)
            log.info(
                "partition_assigned",
                topic=partition.topic,
                partition=partition.partition,
                position=position,
            )
        self._refresh_ends()

    def run(self, *, until_idle: bool = False, idle_timeout_s: float = 60.0) -> WorkerStats:
        """Process until ``stop()``; ``until_idle``: return once every partition is caught up."""
        # Both modes: an assignment computed before the topics' metadata arrived can stay
        # empty (kafka-python 3.0), so learn the existing topics' partitions first.
        self._await_topic_metadata(idle_timeout_s if until_idle else 10.0)
        self._consumer.subscribe(self._topics, listener=self._rebalance)
        unassigned_since: float | None = time.monotonic()
        last_join = 0.0
        rejoin_after = REJOIN_AFTER_S
        if self._garbage is not None:
            self._garbage.start()
        if self._checkpointer is not None:
            self._checkpointer.start()
        self._stall.restart()
        try:
            while not self._stopping:
                fetched_before = self._records_fetched
                self._fetch(timeout_ms=0 if self._ready() else 200)
                progressed = self._drain()
                self._apply_flow_control()
                behind = bool(self.scheduler.partitions()) and not self.scheduler.caught_up()
                moved = progressed or self._records_fetched > fetched_before
                if self._stall.stalled(progressed=moved, behind=behind):
                    self._reconnect()
                    continue
                if progressed:
                    continue
                if time.monotonic() - self._lease_checked > LEASE_CHECK_IDLE_S:
                    self._check_lease()
                if until_idle and self.scheduler.caught_up():
                    # The ends were read on assignment and raised by every fetch since.
                    break
                if (
                    self.scheduler.waiting_on() is None
                    and time.monotonic() - self._ends_refreshed > ENDS_REFRESH_S
                ):
                    # Fetch responses keep the ends current; this is a safety net. It is a
                    # round trip queued behind the consumer's long-polling fetch, so it is
                    # not made while work is waiting.
                    self._refresh_ends()
                if self.scheduler.partitions():
                    unassigned_since = None
                    rejoin_after = REJOIN_AFTER_S
                    continue
                now = time.monotonic()
                unassigned_since = unassigned_since or now
                if until_idle and now - unassigned_since > idle_timeout_s:
                    raise TimeoutError("no partitions were assigned within the idle timeout")
                if now - max(unassigned_since, last_join) > rejoin_after:
                    # Seen with kafka-python 3.0: an assignment computed before the topics'
                    # metadata arrived stays empty. Joining again fixes it. A live worker
                    # backs off (a group with more workers than partitions leaves some idle,
                    # and each rejoin rebalances the group).
                    log.warning("no_partitions_assigned_rejoining", after_s=rejoin_after)
                    self._consumer.unsubscribe()
                    self._consumer.subscribe(self._topics, listener=self._rebalance)
                    last_join = now
                    if not until_idle:
                        rejoin_after = min(rejoin_after * 2, MAX_REJOIN_AFTER_S)
        finally:
            self._commit_kafka_offsets()
            self._dead_letters.close()
            self._consumer.close()
            self._decoder.close()
            if self._garbage is not None:
                self._garbage.stop()
            if self._checkpointer is not None:
                self._checkpointer.stop()
        log.info("worker_stopped", **self.stats.as_dict())
        return self.stats

    def _await_topic_metadata(self, timeout_s: float) -> None:
        """Wait until the broker reports the partitions of every existing subscribed topic."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            existing = self._consumer.topics()
            wanted = [topic for topic in self._topics if topic in existing]
            if all(self._consumer.partitions_for_topic(topic) for topic in wanted):
                return
            time.sleep(0.2)

    def _fetch(self, timeout_ms: int) -> None:
        polled = self._consumer.poll(timeout_ms=timeout_ms)
        # Records fetched for a partition just assigned are dropped: the seek to the stored
        # position makes the consumer fetch them again from the right place.
        just_assigned = self._rebalanced()
        fetched: dict[TopicPartition, list[_Fetched]] = {}
        pieces: list[tuple[int, PartitionKey, TopicPartition, list[Any]]] = []
        for partition, records in polled.items():
            self._records_fetched += len(records)
            if partition not in just_assigned:
                fetched[partition] = []
                key = PartitionKey(partition.topic, partition.partition)
                pieces.extend(
                    (number, key, partition, part) for number, part in self._slices(records)
                )
        # Decoding starts now, in the helper process, in the order the chunks will be applied.
        for number, key, partition, part in pieces:
            batch = self._decoder.submit([record.value or b"" for record in part], (number, key))
            fetched[partition].extend(_Fetched(r.offset, r, batch, i) for i, r in enumerate(part))
        for partition, items in fetched.items():
            try:
                position = self._consumer.position(partition)
                # Each fetch response carries the partition's high watermark: the end, free.
                high_watermark = self._consumer.highwater(partition)
            except IllegalStateError:
                continue  # revoked since the poll (on the IO thread): dropped, as it is
            key = PartitionKey(partition.topic, partition.partition)
            self.scheduler.add(key, items, position)
            if high_watermark is not None:
                self.scheduler.extend_end(key, high_watermark)

    def _slices(self, records: list[Any]) -> Iterator[tuple[int, list[Any]]]:
        """Consecutive runs of at most DECODE_SLICE records within one chunk, with its number."""
        chunk_size = self.scheduler.chunk_size
        start = 0
        while start < len(records):
            number = records[start].offset // chunk_size
            end = start + 1
            limit = min(len(records), start + DECODE_SLICE)
            while end < limit and records[end].offset // chunk_size == number:
                end += 1
            yield number, records[start:end]
            start = end

    def _ready(self) -> bool:
        waiting = self.scheduler.waiting_on()
        return waiting is not None and self.scheduler.buffered(waiting) > 0

    def _refresh_ends(self) -> None:
        assigned = list(self._consumer.assignment())
        if assigned:
            for partition, end in self._consumer.end_offsets(assigned).items():
                self.scheduler.set_end(PartitionKey(partition.topic, partition.partition), end)
        self._ends_refreshed = time.monotonic()

    def _apply_flow_control(self) -> None:
        """Bound memory: a partition far ahead of the order keeps a window, the rest is refetched.

        (kafka-python's pause/resume stalled fetches of other partitions in tests, so the
        excess is dropped and the consumer seeks back to it instead.)
        """
        waiting = self.scheduler.waiting_on()
        for key in self.scheduler.partitions():
            if key == waiting:
                continue
            refetch_from = self.scheduler.trim(key, self._buffer_limit)
            if refetch_from is not None:
                self._consumer.seek(TopicPartition(key.topic, key.partition), refetch_from)

    def _drain(self) -> bool:
        """Apply every chunk that is ready, in order; True if any was applied."""
        progressed = False
        while (chunk := self.scheduler.next_chunk()) is not None:
            self._process_chunk(chunk)
            self.scheduler.committed(chunk)
            progressed = True
            if self._garbage is not None:
                self._garbage.after_batch()
            if not self._stopping:
                # What the consumer fetched meanwhile goes to the decoder before the next
                # chunk is applied, so decoding stays ahead. Between chunks, as in run().
                self._fetch(timeout_ms=0)
                self._apply_flow_control()
        return progressed

    def _process_chunk(self, chunk: Chunk) -> None:
        partition = TopicPartition(chunk.partition.topic, chunk.partition.partition)
        messages: list[InboundMessage] = []
        for fetched in chunk.records:
            message = self._decoded(fetched)
            if message is not None:
                messages.append(message)
        self._dead_letters.flush()  # dead letters durable before the chunk commits
        tracking = Tracking(tracking_name(partition.topic, partition.partition), chunk.end)
        self._check_lease()
        self._commit_batch(partition, messages, tracking)
        self.stats.messages += len(chunk.records)
        self.stats.batches += 1
        # Kafka's committed offsets only show lag (positions are read from the database), so
        # they are sent without waiting; the last ones are committed synchronously on stop.
        offset = {partition: OffsetAndMetadata(chunk.end, "", -1)}
        self._kafka_offsets.update(offset)
        self._consumer.commit_async(offset, callback=_note_commit_failure)

    def _check_lease(self) -> None:
        """Raise ``LeaseLostError`` unless this worker still holds its lease (if it has one)."""
        if self._lease is not None:
            self._lease.check()
            self._lease_checked = time.monotonic()

    def _commit_kafka_offsets(self) -> None:
        """Commit the latest positions to Kafka, for lag monitoring; a failure is only logged."""
        if not self._kafka_offsets:
            return
        try:
            self._consumer.commit(dict(self._kafka_offsets), timeout_ms=OFFSET_COMMIT_TIMEOUT_MS)
        except Exception as error:  # the database holds the real positions
            log.warning("kafka_offset_commit_failed", error=type(error).__name__)
        self._kafka_offsets.clear()

    def _decoded(self, fetched: _Fetched) -> InboundMessage | None:
        record = fetched.record
        decoded = fetched.batch.get(fetched.position)
        if isinstance(decoded, Rejected):
            self._dead_letter(record, decoded.reason, decoded.detail)
            return None
        return InboundMessage(record.topic, record.partition, record.offset, record.value, decoded)

    def _dead_letter(self, record: Any, reason: str, detail: str) -> None:
        self._dead_letters.send(record, reason, detail)
        self.stats.dead_letters += 1
        reasons = self.stats.dead_letter_reasons
        reasons[record.topic, reason] = reasons.get((record.topic, reason), 0) + 1
        log.warning(
            "dead_lettered",
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            reason=reason,
        )

    def _commit_batch(
        self, partition: TopicPartition, messages: list[InboundMessage], tracking: Tracking
    ) -> None:
        name = tracking.application_name
        for attempt in range(3):
            try:
                self._count(self.app.ingest(messages, tracking), partition.topic)
                return
            except IntegrityError:
                if self.app.has_position(name, tracking.notification_id):
                    log.info(
                        "batch_already_recorded",
                        topic=partition.topic,
                        partition=partition.partition,
                    )
                    return
                log.warning("batch_conflict_retrying", attempt=attempt + 1, topic=partition.topic)
            except Exception:
                log.exception(
                    "batch_failed_isolating", topic=partition.topic, partition=partition.partition
                )
                self._one_by_one(messages, name)
                self._record_position(tracking)
                return
        raise RuntimeError(f"batch for {name} conflicted three times")

    def _one_by_one(self, messages: list[InboundMessage], name: str) -> None:
        """Isolate a poison message: apply each alone; one that still fails is dead-lettered."""
        for message in messages:
            self._check_lease()  # outside the try: a lost lease is no poison message
            try:
                self._count(
                    self.app.ingest([message], Tracking(name, message.offset + 1)), message.topic
                )
            except Exception as error:
                if self.app.has_position(name, message.offset + 1):
                    continue
                record = _RecordView(message)
                self._dead_letter(record, "processing-error", type(error).__name__)
                self._dead_letters.flush()
                self._record_position(Tracking(name, message.offset + 1))

    def _record_position(self, tracking: Tracking) -> None:
        self._check_lease()
        if not self.app.has_position(tracking.application_name, tracking.notification_id):
            self.app.ingest([], tracking)

    def _count(self, report: Any, topic: str) -> None:
        stats = self.stats
        stats.applied += report.applied
        stats.duplicates += report.duplicates
        stats.queued_for_review += report.queued_for_review
        for outcome, count in (
            ("applied", report.applied),
            ("duplicate", report.duplicates),
            ("queued-for-review", report.queued_for_review),
        ):
            stats.outcomes[topic, outcome] = stats.outcomes.get((topic, outcome), 0) + count
        stats.last_ingested[topic] = time.time()
        self.stats.new_children += report.new_children
        self.stats.fanned_out += report.fanned_out


def _note_commit_failure(offsets: Any, response: Any) -> None:
    """kafka-python's callback for an asynchronous offset commit."""
    if isinstance(response, Exception):
        log.warning("kafka_offset_commit_failed", error=type(response).__name__)


class _Fetched(NamedTuple):
    """A consumer record waiting for its chunk, with where its decoded form will be."""

    offset: int
    record: Any
    batch: DecodedBatch
    position: int  # in the batch


@dataclass(frozen=True)
class _RecordView:
    """Enough of a consumer record to dead-letter a decoded message."""

    message: InboundMessage

    @property
    def topic(self) -> str:
        return self.message.topic

    @property
    def partition(self) -> int:
        return self.message.partition

    @property
    def offset(self) -> int:
        return self.message.offset

    @property
    def key(self) -> bytes | None:
        return None

    @property
    def value(self) -> bytes:
        return self.message.value
