"""The worker's consumer group timeouts: how soon a dead worker's partitions move on.

A worker killed outright (kill -9, a host lost) sends no LeaveGroup: the group
coordinator removes it only when its session expires, ``session_timeout_ms`` after
its last heartbeat (kafka-python's default: 45 s), and until then nobody else can be
given its partitions. The
standby of an active/standby pair (``hub.ingest.lease``) joins the group the moment
it takes the lease, so the takeover time is about the session timeout.

The trade-off (docs/deployment.md, "Worker failover"): a shorter session moves the
partitions sooner after a crash, but a live worker whose heartbeats stop for that long
(a stalled host, a long pause, a slow network) is also removed from the group and must
join again, which pauses ingestion for a rebalance (never a wrong result: positions live
in the database). kafka-python heartbeats from a background thread, so a long chunk does
not stop heartbeats; a worker that does not poll for ``max_poll_interval_ms`` leaves the
group. The broker accepts session timeouts between its ``group.min.session.timeout.ms``
(6 s by default) and ``group.max.session.timeout.ms`` (30 min); heartbeats should come at
most a third of the session apart.
"""

from __future__ import annotations

from dataclasses import dataclass

SESSION_TIMEOUT_MS = 6000  # the broker's default minimum
HEARTBEAT_INTERVAL_MS = 1000
MAX_POLL_INTERVAL_MS = 300_000  # kafka-python's default


@dataclass(frozen=True)
class ConsumerTimeouts:
    """Session, heartbeat and poll timeouts of the worker's consumer (milliseconds)."""

    session_timeout_ms: int = SESSION_TIMEOUT_MS
    heartbeat_interval_ms: int = HEARTBEAT_INTERVAL_MS
    max_poll_interval_ms: int = MAX_POLL_INTERVAL_MS

    def __post_init__(self) -> None:
        if self.heartbeat_interval_ms * 3 > self.session_timeout_ms:
            raise ValueError("heartbeats must come at most a third of the session timeout apart")
        if self.max_poll_interval_ms < self.session_timeout_ms:
            raise ValueError("the poll interval must be at least the session timeout")

    def kafka_options(self) -> dict[str, int]:
        """The kafka-python ``KafkaConsumer`` arguments."""
        return {
            "session_timeout_ms": self.session_timeout_ms,
            "heartbeat_interval_ms": self.heartbeat_interval_ms,
            "max_poll_interval_ms": self.max_poll_interval_ms,
        }
