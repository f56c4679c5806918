"""The alerts benchmark's probes and where each one's latency went (ingest, raise, deliver).

After a run, each probe's time is split into stages: publish -> the worker's stored
chronology entry (its event's timestamp), -> the alert's record time on ``hub.alerts``,
-> the email's arrival.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from kafka import KafkaConsumer

from bench.kafka_admin import topic_partitions
from bench.mailbox import TimedMailbox
from hub.bootstrap import build_application
from hub.config import Settings
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec

A1_RULE = "a1-attendance-while-on-plan-or-looked-after"


@dataclass
class Probe:
    nhs_number: str
    event_id: str
    sent: float
    acked: float


@dataclass
class Measured:
    """What the measurement phase saw, before the stage breakdown."""

    probes: list[Probe] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    other_emails: int = 0
    background_sent: int = 0
    background_seconds: float = 0.0
    baseline_ms: list[float] = field(default_factory=list)
    backlog: int | None = None
    cpu_percent: dict[str, float] = field(default_factory=dict)
    load_average: float | None = None


def a1_arrivals(mailbox: TimedMailbox, headline: str) -> dict[str, float]:
    """First arrival time of an A1 email per NHS number."""
    first: dict[str, float] = {}
    for message in mailbox.snapshot():
        if message.nhs_number and message.subject.endswith(headline):
            first.setdefault(message.nhs_number, message.at)
    return first


def alert_times(bootstrap: str, topic: str, wanted: set[str]) -> dict[str, float]:
    """When each A1 alert about ``wanted`` NHS numbers was published (record timestamp)."""
    codec = SingleObjectCodec(default_catalogue())
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    found: dict[str, float] = {}
    try:
        partitions = topic_partitions(consumer, [topic])
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + 30
        while (
            any(consumer.position(tp) < ends[tp] for tp in partitions)
            and time.monotonic() < deadline
        ):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    alert = codec.decode(record.value).record
                    if alert["rule_id"] == A1_RULE and alert["nhs_number"] in wanted:
                        found.setdefault(alert["nhs_number"], record.timestamp / 1000)
    finally:
        consumer.close()
    return found


def stored_times(data_dir: Path, bootstrap: str, probes: list[Probe]) -> dict[str, float]:
    """When the worker recorded each probe's chronology entry (its event's timestamp)."""
    app = build_application(Settings(data_dir=data_dir, kafka_bootstrap=bootstrap))
    found: dict[str, float] = {}
    try:
        for probe in probes:
            child = app.find_child(f"nhs/{probe.nhs_number}")
            for domain_event in app.events.get(child.id):
                entry = getattr(domain_event, "entry", None)
                if isinstance(entry, dict) and entry.get("event_id") == probe.event_id:
                    moment: datetime = getattr(domain_event, "timestamp")  # noqa: B009
                    found[probe.nhs_number] = moment.timestamp()
                    break
    finally:
        app.close()
    return found


STAGES = (
    "ingest (publish -> stored)",
    "raise+publish (-> hub.alerts)",
    "deliver (hub.alerts -> SMTP)",
)


def stages_of(
    probes: list[Probe],
    stored: dict[str, float],
    published: dict[str, float],
    emailed: dict[str, float],
) -> dict[str, list[float]]:
    ingest, raise_publish, deliver = [], [], []
    for probe in probes:
        nhs = probe.nhs_number
        if nhs in stored and nhs in published and nhs in emailed:
            ingest.append((stored[nhs] - probe.sent) * 1000)
            raise_publish.append((published[nhs] - stored[nhs]) * 1000)
            deliver.append((emailed[nhs] - published[nhs]) * 1000)
    return dict(zip(STAGES, (ingest, raise_publish, deliver), strict=True))
