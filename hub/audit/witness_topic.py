"""The Kafka witness: every signed head published to ``hub.audit.heads``, and read back.

The heads table is the outbox: ``HeadsRelay`` publishes the heads written since its
position, in order, with acks from all in-sync replicas, and moves its position only
after the broker took them, so a broker outage delays heads but loses none; a crash
between publishing and saving the position publishes some heads again, which a reader
treats as the same head. The topic is created like the agency topics (the cluster's
default replication), one partition, keyed by the log, so heads stay in order.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import structlog
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError

from hub import topics
from hub.audit.chain import AuditLog
from hub.audit.heads import TreeHead
from hub.config import Settings

log = structlog.get_logger(__name__)
KEY = b"audit-log"


def heads_relay_path(settings: Settings) -> Path:
    """Where the relay keeps its position (which heads the topic already has)."""
    return settings.data_dir / "audit" / "heads-relay.sqlite"


class HeadsRelay:
    def __init__(
        self,
        audit: AuditLog,
        bootstrap_servers: str,
        position_path: Path,
        topic: str = topics.AUDIT_HEADS,
    ) -> None:
        self._audit = audit
        self._bootstrap = bootstrap_servers
        self._topic = topic
        position_path.parent.mkdir(parents=True, exist_ok=True)
        self._position = sqlite3.connect(
            position_path, isolation_level=None, check_same_thread=False
        )
        self._position.execute(
            "CREATE TABLE IF NOT EXISTS position (topic TEXT PRIMARY KEY, head INTEGER NOT NULL)"
        )
        self._producer: KafkaProducer | None = None

    def _published(self) -> int:
        row = self._position.execute(
            "SELECT head FROM position WHERE topic = ?", (self._topic,)
        ).fetchone()
        return int(row[0]) if row else 0

    def relay_pending(self, timeout_s: float = 30.0) -> int:
        """Publish every head not yet published; how many were."""
        sent = 0
        while pending := self._audit.heads_after(self._published()):
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id="hub-audit-heads",
                    acks="all",
                    enable_idempotence=True,
                )
            futures = [
                self._producer.send(
                    self._topic,
                    key=KEY,
                    value=json.dumps(head.to_json(), separators=(",", ":")).encode(),
                    partition=0,
                )
                for _, head in pending
            ]
            self._producer.flush(timeout=timeout_s)
            for future in futures:
                future.get(timeout=timeout_s)  # raises if the broker did not take the head
            self._position.execute(
                "INSERT OR REPLACE INTO position VALUES (?, ?)", (self._topic, pending[-1][0])
            )
            sent += len(pending)
        return sent

    def run(self, stop: threading.Event, interval_s: float = 0.5) -> None:
        """Relay until ``stop`` is set; a failure is logged and retried, never skipped."""
        while not stop.is_set():
            try:
                sent = self.relay_pending()
            except KafkaError as error:
                log.warning("audit_heads_not_yet_witnessed", error=type(error).__name__)
                sent = 0
            if not sent:
                stop.wait(interval_s)

    def close(self) -> None:
        if self._producer is not None:
            self._producer.close()
        self._position.close()


def read_witness_topic(
    bootstrap_servers: str, topic: str = topics.AUDIT_HEADS, timeout_s: float = 30.0
) -> list[TreeHead]:
    """Every head on the topic, oldest first (a head published twice is read once)."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        enable_auto_commit=False,
        client_id="hub-audit-verify",
        consumer_timeout_ms=int(timeout_s * 1000),
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        ends = consumer.end_offsets(assigned)
        heads: list[TreeHead] = []
        seen: set[tuple[int, str]] = set()
        while any(consumer.position(tp) < ends[tp] for tp in assigned):
            batch = consumer.poll(timeout_ms=int(timeout_s * 1000))
            if not batch:
                raise TimeoutError(f"could not read {topic} to its end")
            for messages in batch.values():
                for message in messages:
                    head = TreeHead.from_json(json.loads(message.value))
                    if (head.size, head.signature) not in seen:
                        seen.add((head.size, head.signature))
                        heads.append(head)
        return heads
    finally:
        consumer.close()
