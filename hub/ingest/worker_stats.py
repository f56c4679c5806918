"""What an ingestion worker has done: counts for its report, its log line and its metrics."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class WorkerStats:
    messages: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    queued_for_review: int = 0
    new_children: int = 0
    fanned_out: int = 0
    batches: int = 0
    reconnects: int = 0  # consumers replaced after a stall (see hub.ingest.stall)
    started: float = field(default_factory=time.monotonic)
    # For the metrics endpoint, per batch: (topic, outcome) and (topic, dead-letter reason).
    outcomes: dict[tuple[str, str], int] = field(default_factory=dict)
    dead_letter_reasons: dict[tuple[str, str], int] = field(default_factory=dict)
    last_ingested: dict[str, float] = field(default_factory=dict)  # topic: wall-clock time

    def as_dict(self) -> dict[str, Any]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return {
            "messages": self.messages,
            "applied": self.applied,
            "duplicates": self.duplicates,
            "dead_letters": self.dead_letters,
            "queued_for_review": self.queued_for_review,
            "new_children": self.new_children,
            "household_fan_out": self.fanned_out,
            "batches": self.batches,
            "reconnects": self.reconnects,
            "seconds": round(elapsed, 2),
            "messages_per_second": round(self.messages / elapsed, 1),
        }
