"""The audit log on PostgreSQL: the same records, chain, Merkle tree and signed heads as SQLite.

Records, hashes, leaves and heads are computed exactly as ``hub.audit.chain`` computes
them (``hub.audit.records``, ``hub.audit.merkle``, ``hub.audit.heads``), and verified by
the same ``verify_log``, so ``hub audit verify``, proofs and witnesses work unchanged.
What differs is who serialises the writers: every process on every host that appends
takes one advisory lock in the database (``pg_advisory_lock``), held while its append
group commits and its head is copied to the witness file, so heads reach the witness in
the order committed. A process that dies lets go of the lock with its connection.

Within one process, appends queue and the thread holding the writer writes every append
queued meanwhile in one transaction (one commit, one signed head), each caller's records
in a savepoint of their own, as ``AuditLog`` does. The tables come from ``hub db upgrade``.

``PostgresAuditLog`` is an ``AuditLog`` to its callers (it overrides every public method;
a unit test keeps it so), so the services take either.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.audit import pg_heads
from hub.audit.audit_metrics import APPEND_SECONDS
from hub.audit.chain import DEFAULT_HEAD_BOUND_S, AuditKeyError, AuditLog
from hub.audit.head_store import TreeState
from hub.audit.heads import ROTATION_KIND, TreeHead, key_fingerprint, rotation_payload, sign_head
from hub.audit.kinds import check_kind
from hub.audit.merkle import Frontier, leaf_hash
from hub.audit.records import GENESIS, AuditRecord, StoredRecord, entry_bytes, payload_text
from hub.audit.verification import VerifyResult, verify_log
from hub.audit.witness_file import append_witness
from hub.migrations.runner import require_current
from hub.postgres_db import QmarkConnection, advisory_key

APPEND_LOCK = advisory_key("hub/audit-log/append")


@dataclass
class _Append:
    """One caller's records (payload texts encoded by the caller), waiting for the writer."""

    items: Sequence[tuple[str, dict[str, Any]]]
    keys: Sequence[str | None]
    texts: Sequence[str] = ()
    written: list[AuditRecord] = field(default_factory=list)
    error: BaseException | None = None
    finished: bool = False


@dataclass
class _Tip:
    """Where the next record goes: the last seq, its chain hash, the tree's frontier."""

    seq: int
    prev: str
    frontier: Frontier


class PostgresAuditLog(AuditLog):
    """Append-only audit records in PostgreSQL; one writer at a time across every host."""

    def __init__(
        self, url: str, signing_key: Ed25519PrivateKey, *, witness_file: Path | None = None
    ) -> None:
        # AuditLog.__init__ opens a SQLite file; none of its state is used here.
        self._pg = QmarkConnection(url, application_name="hub audit log")
        require_current(self._pg)
        self._key = signing_key
        self._key_id = key_fingerprint(signing_key.public_key())
        self._witness_file = witness_file
        self._lock = threading.RLock()  # this process's writer (and its one connection)
        self._waiting_lock = threading.Lock()
        self._waiting: list[_Append] = []
        self._url = url
        self._pg_reader: QmarkConnection | None = None  # committed_records' own connection
        self._reader_lock = threading.Lock()

    def close(self) -> None:
        if self._pg_reader is not None:
            self._pg_reader.close()
        self._pg.close()

    @property
    def public_key(self) -> Ed25519PublicKey:
        return self._key.public_key()

    def append(self, kind: str, payloads: list[dict[str, Any]]) -> list[AuditRecord]:
        """Append records atomically, chained to the current head, under a signed head."""
        return self.append_batch([(kind, payload) for payload in payloads])

    def append_batch(
        self,
        items: Sequence[tuple[str, dict[str, Any]]],
        keys: Sequence[str | None] | None = None,
    ) -> list[AuditRecord]:
        """Append records of several kinds in one transaction: all of them or none.

        ``keys`` (one per item, or None) are idempotency keys: an item whose key was
        already recorded is skipped, so a retry after a crash never doubles a record.
        """
        if keys is not None and len(keys) != len(items):
            raise ValueError("one idempotency key (or None) per item")
        for kind, _ in items:
            check_kind(kind)
        texts = [payload_text(payload) for _, payload in items]
        request = _Append(items, keys or [None] * len(items), texts)
        started = time.perf_counter()
        with self._waiting_lock:
            self._waiting.append(request)
        with self._lock:
            if not request.finished:
                with self._waiting_lock:
                    group, self._waiting = self._waiting, []
                self._write_group(group)
        APPEND_SECONDS.observe(time.perf_counter() - started)
        if request.error is not None:
            raise request.error
        return request.written

    def _write_group(self, group: list[_Append]) -> None:
        with self._pg.session_lock(APPEND_LOCK):
            head = self._commit_group(group)
            if head is not None and self._witness_file is not None:
                append_witness(self._witness_file, head)

    def _commit_group(self, group: list[_Append]) -> TreeHead | None:
        try:
            with self._pg.transaction():
                state = pg_heads.latest(self._pg)
                self._check_signing_key(state)
                tip = self._find_tip(state)
                if len(group) == 1:
                    tip = self._insert(group[0], tip)
                else:
                    for request in group:
                        tip = self._insert_isolated(request, tip)
                head = None
                if state is None or tip.frontier.size > state.head.size:
                    head = self._sign_head(tip, first=state is None)
        except BaseException as error:
            for request in group:
                request.written, request.error = [], request.error or error
            raise
        finally:
            for request in group:
                request.finished = True
        return head

    def _check_signing_key(self, state: TreeState | None) -> None:
        if state is not None and state.head.key_id != self._key_id:
            raise AuditKeyError(
                f"the audit log's newest head is signed by key {state.head.key_id[:16]}, "
                f"this process holds key {self._key_id[:16]} (HUB_AUDIT_SIGNING_KEY)"
            )

    def _find_tip(self, state: TreeState | None) -> _Tip:
        """The chain's last record and the tree's frontier, rebuilt if they disagree."""
        row = self._pg.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (int(row[0]), str(row[1])) if row else (0, GENESIS)
        if (
            state is not None
            and state.frontier.size == seq == state.head.size
            and state.frontier.root().hex() == state.head.root
        ):
            return _Tip(seq, prev, state.frontier)
        frontier = Frontier()
        for stored in self.stored_records():
            frontier.append(stored.leaf())
        return _Tip(seq, prev, frontier)

    def _sign_head(self, tip: _Tip, *, first: bool) -> TreeHead:
        signed_at = datetime.now(UTC).isoformat()
        head = sign_head(self._key, tip.frontier.size, tip.frontier.root(), signed_at, first=first)
        pg_heads.insert(self._pg, head, tip.frontier)
        return head

    def _insert_isolated(self, request: _Append, tip: _Tip) -> _Tip:
        """Write one caller's records in a savepoint: a failure fails that caller only."""
        try:
            with self._pg.transaction():  # nested: a savepoint
                return self._insert(request, tip)
        except Exception as error:
            request.error = error
            return tip

    def _insert(self, request: _Append, tip: _Tip) -> _Tip:
        """Insert one caller's records after ``tip``; the tip after them."""
        seq, prev, frontier = tip.seq, tip.prev, tip.frontier.copy()
        wanted = [key for key in request.keys if key is not None]
        seen: set[str] = set()
        if wanted:
            rows_seen = self._pg.execute("SELECT key FROM audit_keys WHERE key = ANY(?)", (wanted,))
            seen = {str(row[0]) for row in rows_seen}
        rows: list[tuple[Any, ...]] = []
        key_rows: list[tuple[Any, ...]] = []
        written = []
        texts = request.texts or [payload_text(payload) for _, payload in request.items]
        for (kind, payload), key, text in zip(request.items, request.keys, texts, strict=True):
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            seq += 1
            recorded_at = datetime.now(UTC).isoformat()
            entry = entry_bytes(prev, seq, recorded_at, kind, text)
            digest = hashlib.sha256(entry).hexdigest()
            frontier.append(leaf_hash(entry))
            rows.append((seq, recorded_at, kind, text, prev, digest))
            if key is not None:
                key_rows.append((key, seq))
            written.append(AuditRecord(seq, recorded_at, kind, payload, prev, digest))
            prev = digest
        self._pg.executemany("INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?)", rows)
        self._pg.executemany("INSERT INTO audit_keys VALUES (?, ?)", key_rows)
        request.written = written
        return _Tip(seq, prev, frontier)

    def checkpoint(self) -> None:
        """Sign a head now if records lack one (every append group already signs its own)."""
        with self._lock:
            self._write_group([])

    def rotate_key(self, new_key: Ed25519PrivateKey) -> AuditRecord:
        """Hand the log to ``new_key``: a rotation record signed by the current key.

        The group's head is signed by the new key; other appending processes must then be
        restarted with it, as the log refuses appends under the old one.
        """
        with self._lock, self._pg.session_lock(APPEND_LOCK):
            old = self._key
            try:
                with self._pg.transaction():
                    state = pg_heads.latest(self._pg)
                    self._check_signing_key(state)
                    tip = self._find_tip(state)
                    payload = rotation_payload(self._key, new_key.public_key(), tip.seq + 1)
                    request = _Append([(ROTATION_KIND, payload)], [None])
                    tip = self._insert(request, tip)
                    self._key, self._key_id = new_key, key_fingerprint(new_key.public_key())
                    head = self._sign_head(tip, first=state is None)
            except BaseException:
                self._key, self._key_id = old, key_fingerprint(old.public_key())
                raise
            if self._witness_file is not None:
                append_witness(self._witness_file, head)
        return request.written[0]

    def records(self, kind: str | None = None, after: int = 0) -> list[AuditRecord]:
        """Records in order, optionally of one kind and after sequence number ``after``."""
        query = "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit WHERE seq > ?"
        with self._lock:
            rows = self._pg.execute(
                query + (" AND kind = ?" if kind else "") + " ORDER BY seq",
                (after, kind) if kind else (after,),
            ).fetchall()
        return [AuditRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def committed_records(self, kind: str) -> list[AuditRecord]:
        """Committed records of ``kind``, on a connection of their own: never behind the writer."""
        query = "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit"
        with self._reader_lock:
            if self._pg_reader is None:
                self._pg_reader = QmarkConnection(self._url, application_name="hub audit reader")
            rows = self._pg_reader.execute(
                query + " WHERE kind = ? ORDER BY seq", (kind,)
            ).fetchall()
        return [AuditRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def stored_records(self) -> list[StoredRecord]:
        """Every record as stored (payload text exactly as hashed), in sequence order."""
        with self._lock:
            rows = self._pg.execute(
                "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit ORDER BY seq"
            ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def heads(self) -> list[TreeHead]:
        """Every signed tree head, in the order written."""
        with self._lock:
            return pg_heads.all_heads(self._pg)

    def heads_after(self, row_id: int) -> list[tuple[int, TreeHead]]:
        """Heads written after the one with row id ``row_id`` (for the witness relay)."""
        with self._lock:
            return pg_heads.heads_after(self._pg, row_id)

    def verify(
        self,
        public_key: Ed25519PublicKey | str,
        *,
        bound_s: float = DEFAULT_HEAD_BOUND_S,
        witnessed: Sequence[TreeHead] | None = None,
    ) -> VerifyResult:
        """Check the chain, every head and, if given, the witnessed heads (one snapshot)."""
        with self._lock, self._pg.transaction():
            self._pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            records, heads = self.stored_records(), pg_heads.all_heads(self._pg)
        return verify_log(records, heads, public_key, bound_s=bound_s, witnessed=witnessed)
