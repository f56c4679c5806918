"""The hub's alert store: every alert raised, its state, and the raiser's position.

It is the source of truth for alerts and the outbox for the alert topic:
the raiser writes alerts and its position in the hub's notification log in
one transaction; the publisher, the audit step and escalation each mark
their own progress per alert, so a crash at any point redoes a step with the
same alert id (an idempotency key) instead of losing or doubling it.

The statements are the same on SQLite (this class, a file beside the worker) and on
PostgreSQL (``hub.alerts.pg_store``, shared by every host).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hub.alerts.model import Recipient
from hub.sql_protocols import SqlConnection
from hub.sqlite_wal import use_wal

SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    alert_id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    requirements TEXT NOT NULL,
    child_id TEXT NOT NULL,
    nhs_number TEXT,
    recipient TEXT NOT NULL,
    urgency TEXT NOT NULL,
    headline TEXT NOT NULL,
    content TEXT,
    decision TEXT NOT NULL,
    raised_at TEXT NOT NULL,
    deliver_by TEXT,
    ack_deadline TEXT NOT NULL,
    escalation_level INTEGER NOT NULL DEFAULT 0,
    escalates TEXT,
    state TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    escalated_to_level INTEGER NOT NULL DEFAULT 0,
    published INTEGER NOT NULL DEFAULT 0,
    audited INTEGER NOT NULL DEFAULT 0,
    seq INTEGER,
    occurrence_id TEXT NOT NULL DEFAULT '',
    slot TEXT NOT NULL DEFAULT '',
    route_rank INTEGER NOT NULL DEFAULT 0,
    superseded_by TEXT,
    routing TEXT NOT NULL DEFAULT '{}',
    superseded_audited INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS alerts_unpublished ON alerts (published, seq);
CREATE INDEX IF NOT EXISTS alerts_open ON alerts (state, escalation_level, ack_deadline);
CREATE TABLE IF NOT EXISTS positions (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
# Routing columns (hub.alerts.routing): in SCHEMA, and added to stores created before them.
ROUTING_COLUMNS = (
    ("occurrence_id", "TEXT NOT NULL DEFAULT ''"),
    ("slot", "TEXT NOT NULL DEFAULT ''"),
    ("route_rank", "INTEGER NOT NULL DEFAULT 0"),
    ("superseded_by", "TEXT"),
    ("routing", "TEXT NOT NULL DEFAULT '{}'"),
    ("superseded_audited", "INTEGER NOT NULL DEFAULT 0"),
)
ROUTING_INDEX = "CREATE INDEX IF NOT EXISTS alerts_occurrence ON alerts (occurrence_id)"
UNROUTED_RANK = 100  # hub.alerts.routing.UNROUTED_RANK

RAISED = "raised"
ACKNOWLEDGED = "acknowledged"
REFUSED = "refused"  # the policy let nothing out to this recipient: audited, never sent


@dataclass
class Alert:
    alert_id: str
    rule_id: str
    requirements: list[str]
    child_id: str
    nhs_number: str | None
    recipient: Recipient
    urgency: str
    headline: str
    content: dict[str, Any] | None
    decision: dict[str, Any]
    raised_at: str
    ack_deadline: str
    deliver_by: str | None = None
    escalation_level: int = 0
    escalates: str | None = None
    state: str = RAISED
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None
    escalated_to_level: int = 0
    published: bool = False
    audited: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    seq: int = 0  # the store's order (0 until stored)
    occurrence_id: str = ""  # shared by the alerts one rule raises for one occurrence
    slot: str = ""  # the audience (hub.alerts.routing.slot)
    route_rank: int = 0  # lower is better; UNROUTED_RANK: nobody could be found
    superseded_by: str | None = None  # a better-routed alert raised later for the same slot
    # How it was routed: route, unresolved kinds with reasons, the source record's time.
    routing: dict[str, Any] = field(default_factory=dict)

    @property
    def unrouted(self) -> bool:
        return self.route_rank >= UNROUTED_RANK

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("extra")
        data.pop("seq")
        return data


_COLUMNS = (
    "alert_id, rule_id, requirements, child_id, nhs_number, recipient, urgency, headline,"
    " content, decision, raised_at, deliver_by, ack_deadline, escalation_level, escalates,"
    " state, acknowledged_at, acknowledged_by, escalated_to_level, published, audited,"
    " occurrence_id, slot, route_rank, superseded_by, routing"
)
_PLACEHOLDERS = ",".join("?" * 26)


def _row(alert: Alert) -> tuple[Any, ...]:
    return (
        alert.alert_id,
        alert.rule_id,
        json.dumps(alert.requirements),
        alert.child_id,
        alert.nhs_number,
        json.dumps(asdict(alert.recipient)),
        alert.urgency,
        alert.headline,
        None if alert.content is None else json.dumps(alert.content, sort_keys=True),
        json.dumps(alert.decision, sort_keys=True),
        alert.raised_at,
        alert.deliver_by,
        alert.ack_deadline,
        alert.escalation_level,
        alert.escalates,
        alert.state,
        alert.acknowledged_at,
        alert.acknowledged_by,
        alert.escalated_to_level,
        int(alert.published),
        int(alert.audited),
        alert.occurrence_id,
        alert.slot,
        alert.route_rank,
        alert.superseded_by,
        json.dumps(alert.routing, sort_keys=True),
    )


def _alert(row: Sequence[Any]) -> Alert:
    return Alert(
        alert_id=row[0],
        rule_id=row[1],
        requirements=json.loads(row[2]),
        child_id=row[3],
        nhs_number=row[4],
        recipient=Recipient(**json.loads(row[5])),
        urgency=row[6],
        headline=row[7],
        content=None if row[8] is None else json.loads(row[8]),
        decision=json.loads(row[9]),
        raised_at=row[10],
        deliver_by=row[11],
        ack_deadline=row[12],
        escalation_level=row[13],
        escalates=row[14],
        state=row[15],
        acknowledged_at=row[16],
        acknowledged_by=row[17],
        escalated_to_level=row[18],
        published=bool(row[19]),
        audited=bool(row[20]),
        occurrence_id=row[21],
        slot=row[22],
        route_rank=row[23],
        superseded_by=row[24],
        routing=json.loads(row[25]),
        seq=row[26] or 0,
    )


class AlertStore:
    """One SQLite file; safe to share between the threads of one process."""

    _db: SqlConnection

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._sqlite = sqlite3.connect(
            path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self._db = self._sqlite
        use_wal(self._sqlite)
        self._sqlite.execute("PRAGMA synchronous=FULL")
        self._sqlite.executescript(SCHEMA)
        with self._transaction() as db:  # several processes may open an older store at once
            present = {row[1] for row in db.execute("PRAGMA table_info(alerts)")}
            for name, definition in ROUTING_COLUMNS:
                if name not in present:
                    db.execute(f"ALTER TABLE alerts ADD COLUMN {name} {definition}")
            db.execute(ROUTING_INDEX)

    def close(self) -> None:
        self._sqlite.close()

    @contextmanager
    def _transaction(self) -> Iterator[SqlConnection]:
        with self._lock:
            self._sqlite.execute("BEGIN IMMEDIATE")
            try:
                yield self._sqlite
            except BaseException:
                self._sqlite.execute("ROLLBACK")
                raise
            self._sqlite.execute("COMMIT")

    def position(self, name: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT value FROM positions WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else 0

    def add(
        self,
        alerts: Sequence[Alert],
        *positions: tuple[str, int],
        superseded: Sequence[tuple[str, str]] = (),
    ) -> int:
        """Store new alerts (an id already stored is left as it is) and move ``positions``.

        ``superseded`` pairs (old alert id, new alert id) mark alerts a better-routed one
        replaces, in the same transaction.
        """
        added = 0
        with self._transaction() as db:
            db.executemany(
                "UPDATE alerts SET superseded_by = ? WHERE alert_id = ? AND superseded_by IS NULL",
                [(new, old) for old, new in superseded],
            )
            next_seq = db.execute("SELECT COALESCE(MAX(seq), 0) FROM alerts").fetchone()[0]
            for alert in alerts:
                cursor = db.execute(
                    f"INSERT INTO alerts ({_COLUMNS}) VALUES ({_PLACEHOLDERS})"
                    " ON CONFLICT DO NOTHING",
                    _row(alert),
                )
                if cursor.rowcount:
                    next_seq += 1
                    added += 1
                    db.execute(
                        "UPDATE alerts SET seq = ? WHERE alert_id = ?", (next_seq, alert.alert_id)
                    )
            for position in positions:
                db.execute(
                    "INSERT INTO positions VALUES (?, ?)"
                    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                    position,
                )
        return added

    def routes(self, occurrence_ids: Sequence[str]) -> list[Alert]:
        """The alerts already raised for these occurrences (superseded ones included)."""
        found: list[Alert] = []
        ids = list(dict.fromkeys(occurrence_ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += self.select(f"occurrence_id IN ({marks})", chunk, 1_000_000)
        return found

    def unaudited_supersessions(self, limit: int = 1000) -> list[tuple[str, str]]:
        """(alert, superseded by) pairs whose supersession is not yet in the audit log."""
        with self._lock:
            rows = self._db.execute(
                "SELECT alert_id, superseded_by FROM alerts"
                " WHERE superseded_by IS NOT NULL AND superseded_audited = 0 ORDER BY seq LIMIT ?",
                (limit,),
            ).fetchall()
        return [(str(row[0]), str(row[1])) for row in rows]

    def mark_supersessions_audited(self, alert_ids: Sequence[str]) -> None:
        with self._transaction() as db:
            db.executemany(
                "UPDATE alerts SET superseded_audited = 1 WHERE alert_id = ?",
                [(alert_id,) for alert_id in alert_ids],
            )

    def unrouted_alerts(self) -> list[Alert]:
        """Alerts nobody could be found for, not since routed by a later record."""
        return self.select("route_rank >= ? AND superseded_by IS NULL", (UNROUTED_RANK,), 1_000_000)

    def get(self, alert_id: str) -> Alert | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {_COLUMNS}, seq FROM alerts WHERE alert_id = ?", (alert_id,)
            ).fetchone()
        return _alert(row) if row else None

    def select(
        self, where: str = "TRUE", params: Sequence[Any] = (), limit: int = 10_000
    ) -> list[Alert]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS}, seq FROM alerts WHERE {where} ORDER BY seq LIMIT ?",
                (*params, limit),
            ).fetchall()
        return [_alert(row) for row in rows]

    def unaudited(self, limit: int = 1000) -> list[Alert]:
        return self.select("audited = 0", (), limit)

    def unpublished(self, limit: int = 1000) -> list[Alert]:
        return self.select("published = 0 AND state != ?", (REFUSED,), limit)

    def mark(self, column: str, alert_ids: Sequence[str]) -> None:
        if column not in ("published", "audited"):
            raise ValueError(column)
        with self._transaction() as db:
            db.executemany(
                f"UPDATE alerts SET {column} = 1 WHERE alert_id = ?", [(a,) for a in alert_ids]
            )

    def acknowledge(self, alert_id: str, by: str, at: str) -> Alert | None:
        """Mark acknowledged (idempotent: a second acknowledgement changes nothing)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE alerts SET state = ?, acknowledged_at = ?, acknowledged_by = ?"
                " WHERE alert_id = ? AND state = ?",
                (ACKNOWLEDGED, at, by, alert_id, RAISED),
            )
        return self.get(alert_id)

    def open_alerts(self, due_by: str) -> list[Alert]:
        """Unacknowledged original alerts past their deadline at ``due_by`` (UTC ISO text).

        Only those with escalations left; every escalation falls after the deadline. An alert
        superseded by a better-routed one does not escalate: its successor does.
        """
        return self.select(
            "state = ? AND escalation_level = 0 AND escalated_to_level < 2 AND ack_deadline <= ?"
            " AND superseded_by IS NULL",
            (RAISED, due_by),
            1_000_000,
        )

    def open_by_child(self, organisation: str, since: str) -> dict[str, int]:
        """Unacknowledged alerts to ``organisation`` raised since ``since``, per child id."""
        alerts = self.select(
            "state = ? AND superseded_by IS NULL AND raised_at >= ?", (RAISED, since), 10_000_000
        )
        counts: dict[str, int] = {}
        for alert in alerts:
            if alert.recipient.organisation == organisation:
                counts[alert.child_id] = counts.get(alert.child_id, 0) + 1
        return counts

    def set_escalated(self, alert_id: str, level: int, escalations: Sequence[Alert]) -> None:
        """Record that ``alert_id`` escalated to ``level`` together with the new alerts."""
        self.add(escalations)
        with self._transaction() as db:
            db.execute(
                "UPDATE alerts SET escalated_to_level = ?"
                " WHERE alert_id = ? AND escalated_to_level < ?",
                (level, alert_id, level),
            )

    def open_by_rule(self, now: str) -> list[tuple[str, int, int]]:
        """(rule, unacknowledged, of them past their deadline at ``now``) for current alerts."""
        with self._lock:
            rows = self._db.execute(
                "SELECT rule_id, COUNT(*), SUM(CASE WHEN ack_deadline <= ? THEN 1 ELSE 0 END)"
                " FROM alerts"
                " WHERE state = ? AND superseded_by IS NULL GROUP BY 1 ORDER BY 1",
                (now, RAISED),
            ).fetchall()
        return [(str(r[0]), int(r[1]), int(r[2] or 0)) for r in rows]

    def counts(self, by: str) -> list[tuple[str, str, int]]:
        """(value, state, count) grouped by rule, recipient organisation or agency."""
        expressions = {
            "rule": "rule_id",
            "team": "json_extract(recipient, '$.organisation')",
            "agency": "json_extract(content, '$.agency')",
        }
        expression = expressions[by]
        with self._lock:
            rows = self._db.execute(
                f"SELECT COALESCE({expression}, '-'), state, COUNT(*) FROM alerts"
                f" GROUP BY 1, 2 ORDER BY 1, 2"
            ).fetchall()
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]
