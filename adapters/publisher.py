"""Publishing adapter output to Kafka: acks=all, idempotent producer, ledger-checked.

Delivery guarantee: every event a file yields is acknowledged by all in-sync
replicas before it is entered in the ledger; re-publishing the same file sends
only events the ledger does not hold for this cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaAdminClient, KafkaProducer

from adapters.ledger import LedgerLocation, open_publish_ledger
from adapters.records import Notice, OutboundEvent, ParsedExport, RejectedRecord
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import RecordValidationError, SingleObjectCodec

log = structlog.get_logger(__name__)

CONTENT_TYPE = b"application/vnd.apache.avro.single-object"


@dataclass
class PublishReport:
    """What happened to one export file."""

    agency: str
    file: str
    topic: str
    published: int = 0
    already_published: int = 0
    not_published: dict[str, int] = field(default_factory=dict)
    rejected: list[RejectedRecord] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "agency": self.agency,
            "file": self.file,
            "topic": self.topic,
            "published": self.published,
            "already_published": self.already_published,
            "not_published": dict(self.not_published),
            "rejected": [r.to_dict() for r in self.rejected],
            "notices": [n.to_dict() for n in self.notices],
        }


class EventPublisher:
    """One producer per adapter run; use as a context manager."""

    def __init__(
        self,
        bootstrap_servers: str,
        ledger: LedgerLocation,
        *,
        timeout_s: float = 60.0,
        schemas_dir: Path = DEFAULT_SCHEMAS_DIR,
    ) -> None:
        self._timeout_s = timeout_s
        self._codec = SingleObjectCodec(default_catalogue(schemas_dir))
        self.cluster_id: str = cluster_id_of(bootstrap_servers)
        self._producer = new_producer(bootstrap_servers, linger_ms=20)
        self._ledger = open_publish_ledger(ledger)

    def __enter__(self) -> EventPublisher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._producer.close(timeout=self._timeout_s)
        self._ledger.close()

    def publish(self, agency: str, file: Path, topic: str, export: ParsedExport) -> PublishReport:
        report = PublishReport(
            agency=agency,
            file=str(file),
            topic=topic,
            not_published=dict(export.not_published),
            rejected=list(export.rejected),
            notices=list(export.notices),
        )
        done = self._ledger.already_published(self.cluster_id, (e.event_id for e in export.events))
        pending = []
        for event in export.events:
            if event.event_id in done:
                report.already_published += 1
                continue
            done.add(event.event_id)  # the same record twice in one file is one event
            try:
                value = self._codec.encode(event.schema_name, event.record)
            except RecordValidationError as error:
                report.rejected.append(
                    RejectedRecord(
                        str(file),
                        "(encoded record)",
                        "(schema)",
                        str(error),
                        event.record["envelope"]["record_reference"],
                    )
                )
                continue
            pending.append((event, self._send(topic, event, value)))
        self._producer.flush(timeout=self._timeout_s)
        acknowledged = []
        for event, future in pending:
            metadata = future.get(timeout=self._timeout_s)
            acknowledged.append(
                (event.event_id, metadata.topic, metadata.partition, metadata.offset)
            )
        self._ledger.record(self.cluster_id, acknowledged)
        report.published = len(acknowledged)
        log.debug(
            "export_published",
            agency=agency,
            topic=topic,
            published=report.published,
            already_published=report.already_published,
            rejected=len(report.rejected),
            notices=len(report.notices),
        )
        return report

    def _send(self, topic: str, event: OutboundEvent, value: bytes) -> Any:
        return self._producer.send(
            topic, key=event.key.encode(), value=value, headers=headers_for(event)
        )


def cluster_id_of(bootstrap_servers: str) -> str:
    """The cluster's id: the publish ledger keeps what each cluster acknowledged apart."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="hub-adapter")
    try:
        return str(admin.describe_cluster()["cluster_id"])
    finally:
        admin.close()


def new_producer(bootstrap_servers: str, *, linger_ms: int, **settings: Any) -> KafkaProducer:
    """An adapter's producer: acks from all in-sync replicas, idempotent."""
    return KafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id="hub-adapter",
        acks="all",
        enable_idempotence=True,
        linger_ms=linger_ms,
        batch_size=256 * 1024,
        max_in_flight_requests_per_connection=5,
        **settings,
    )


def headers_for(event: OutboundEvent) -> list[tuple[str, bytes]]:
    """The Kafka headers of an agency event: content type, event id, schema name."""
    return [
        ("content-type", CONTENT_TYPE),
        ("event-id", event.event_id.encode()),
        ("schema", event.schema_name.encode()),
    ]
