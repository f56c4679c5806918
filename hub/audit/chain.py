"""The audit log: append-only records, hash-chained, leaves of a Merkle tree with signed heads.

Each record carries the SHA-256 of the previous record, so changing, deleting, inserting
or reordering a record breaks the chain at that point and verification says where. The
records are also the leaves of a Merkle tree (RFC 9162), and every append group writes,
in its own transaction, a tree head signed with the audit key (size, root, time, key
id): no committed record is ever without a signed head, even if the process is killed
the instant after. The first head pins the public key; a head under another key needs a
rotation record signed by the key before it (``rotate_key``). Heads may also be copied,
as they are written, to a witness file outside the database (``witness_file``).
Verification is in ``hub.audit.verification``.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.audit import head_store
from hub.audit.audit_metrics import APPEND_SECONDS
from hub.audit.file_lock import FileLock
from hub.audit.heads import ROTATION_KIND, TreeHead, key_fingerprint, rotation_payload, sign_head
from hub.audit.kinds import check_kind
from hub.audit.merkle import Frontier, leaf_hash
from hub.audit.records import GENESIS, AuditRecord, StoredRecord, entry_bytes, payload_text
from hub.audit.rows import insert_rows, recorded_keys
from hub.audit.verification import VerifyResult, verify_log
from hub.audit.witness_file import append_witness
from hub.sqlite_wal import use_wal

__all__ = ["AuditKeyError", "AuditLog", "AuditRecord", "VerifyResult", "payload_text"]

log = structlog.get_logger(__name__)
DEFAULT_HEAD_BOUND_S = 1.0
# While appends keep queuing, the writer keeps the file lock from one group to the next
# (no unlock, lock and `data_version` between them), but at most this long, so another
# process appending to the same log gets its turn.
HOLD_FILE_LOCK_S = 0.05


class AuditKeyError(RuntimeError):
    """The process's signing key is not the key the log's newest head was signed with."""


@dataclass
class _Append:
    """One caller's records, waiting to be written by whichever thread holds the writer.

    ``texts`` are the payloads as stored, encoded by the caller before it queues, so the
    writer (whose turn every other append waits for) only hashes and inserts.
    """

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


class AuditLog:
    """Append-only audit records in SQLite; one writer at a time (SQLite's lock).

    One object may be shared by the threads of a server: calls are serialised.
    """

    def __init__(
        self, path: Path, signing_key: Ed25519PrivateKey, *, witness_file: Path | None = None
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file_lock = FileLock(path.with_name(path.name + ".lock"))
        self._key = signing_key
        self._key_id = key_fingerprint(signing_key.public_key())
        self._witness_file = witness_file
        self._lock = threading.RLock()  # the writer's
        self._queue_lock = threading.Lock()  # appends waiting for the writer
        self._queue: list[_Append] = []
        # (data_version, newest head, tip) as this connection last committed them.
        self._known: tuple[int, head_store.TreeState, _Tip] | None = None
        self._version = 0
        self._file_lock_since: float | None = None  # held across groups since then
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self._path = path
        self._reader: sqlite3.Connection | None = None  # committed_records' own connection
        self._reader_lock = threading.Lock()
        # Write-ahead logging: one fsync per commit, and readers never block the writer.
        use_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        with self._file_lock:
            self._create_tables()

    def _create_tables(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY,"
                " recorded_at TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
                " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
            )
            # Idempotency keys of records that must be written at most once (an alert
            # raised): a retried append after a crash finds its key and writes nothing again.
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS audit_keys (key TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
            )
            # records(kind) reads one kind (break-glass grants on every console page, say)
            # without scanning the whole log.
            self._db.execute("CREATE INDEX IF NOT EXISTS audit_kind ON audit (kind, seq)")
            new_tree = not head_store.has_table(self._db)
            self._db.execute(head_store.CREATE)
            if new_tree:  # a log from before signed heads: its records are adopted, once
                tip = self._tip(None)
                if tip.seq:
                    self._sign(tip, first=True, adopted=tip.seq)
                    log.info("audit_log_adopted_into_tree", records=tip.seq)
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self._lock:
            self._release_file_lock()
        if self._reader is not None:
            self._reader.close()
        self._db.close()
        self._file_lock.close()

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
        with self._queue_lock:
            self._queue.append(request)
        # Group commit: whoever holds the write lock writes every append queued meanwhile
        # in one transaction (one fsync, one signed head), each in its own savepoint, so
        # concurrent callers (a server's threads) share the cost of making records durable.
        with self._lock:
            if not request.finished:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._append_group(group)
        APPEND_SECONDS.observe(time.perf_counter() - started)
        if request.error is not None:
            raise request.error
        return request.written

    def _append_group(self, group: list[_Append]) -> None:
        # Other processes may append too (`hub serve --processes`). SQLite would make a
        # writer that finds the database locked sleep and retry, in steps of up to 100 ms;
        # a lock file wakes the next writer as soon as the last one commits. The witness
        # file is written under the same lock, so its heads are in the order committed.
        # Under load the lock is kept for the next queued group (``HOLD_FILE_LOCK_S``):
        # no other process can have written meanwhile, so the state this connection
        # committed is still the log's, and three calls that let go of the GIL are saved.
        held = self._file_lock_since is not None
        if not held:
            self._file_lock.__enter__()
            self._file_lock_since = time.monotonic()
        keep = False
        try:
            head = self._append_group_locked(group, still_ours=held)
            if head is not None:
                self._witness(head)
            keep = bool(self._queue) and self._within_hold()
        finally:
            if not keep:
                self._release_file_lock()

    def _within_hold(self) -> bool:
        since = self._file_lock_since
        return since is not None and time.monotonic() - since < HOLD_FILE_LOCK_S

    def _release_file_lock(self) -> None:
        if self._file_lock_since is not None:
            self._file_lock_since = None
            self._file_lock.__exit__()

    def _append_group_locked(self, group: list[_Append], *, still_ours: bool) -> TreeHead | None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                state, tip = self._state_and_tip(still_ours)
                if len(group) == 1:
                    tip = self._write(group[0], tip)  # alone: the transaction is its unit
                else:
                    for request in group:
                        tip = self._write_isolated(request, tip)
                head = None
                if state is None or tip.frontier.size > state.head.size:
                    head = self._sign(tip, first=state is None)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._known = None
                raise
            if head is not None:
                self._known = (self._version, head_store.TreeState(head, tip.frontier), tip)
            elif state is not None:
                self._known = (self._version, state, tip)
        except BaseException as error:
            for request in group:
                request.written, request.error = [], request.error or error
            raise
        finally:
            for request in group:
                request.finished = True
        return head

    def _state_and_tip(self, still_ours: bool) -> tuple[head_store.TreeState | None, _Tip]:
        """The newest head and where the next record goes, inside the write transaction.

        What this connection committed last is kept: while ``PRAGMA data_version`` says no
        other connection has committed since, it is still the log's state, and the newest
        head and last record need not be read (and the frontier parsed and checked) again.
        ``still_ours``: the file lock was held since that commit, so nobody else appended
        and the version need not even be asked.
        """
        known = self._known
        if still_ours and known is not None:
            return known[1], known[2]
        self._version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
        if known is not None and known[0] == self._version:
            return known[1], known[2]
        state = head_store.latest(self._db)
        self._check_key(state)
        return state, self._tip(state)

    def _check_key(self, state: head_store.TreeState | None) -> None:
        if state is not None and state.head.key_id != self._key_id:
            raise AuditKeyError(
                f"the audit log's newest head is signed by key {state.head.key_id[:16]}, "
                f"this process holds key {self._key_id[:16]} (HUB_AUDIT_SIGNING_KEY)"
            )

    def _tip(self, state: head_store.TreeState | None) -> _Tip:
        """The chain's last record and the tree's frontier, rebuilt if they disagree."""
        row = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        seq, prev = (row[0], row[1]) if row else (0, GENESIS)
        if (
            state is not None
            and state.frontier.size == seq == state.head.size
            and state.frontier.root().hex() == state.head.root
        ):
            return _Tip(seq, prev, state.frontier)
        frontier = Frontier()
        for stored in self.stored_records():
            frontier.append(stored.leaf())
        if state is not None:
            log.warning("audit_tree_rebuilt_from_records", head_size=state.head.size, records=seq)
        return _Tip(seq, prev, frontier)

    def _sign(self, tip: _Tip, *, first: bool, adopted: int = 0) -> TreeHead:
        signed_at = datetime.now(UTC).isoformat()
        head = sign_head(
            self._key,
            tip.frontier.size,
            tip.frontier.root(),
            signed_at,
            first=first,
            adopted=adopted,
        )
        head_store.insert(self._db, head, tip.frontier)
        return head

    def _witness(self, head: TreeHead) -> None:
        if self._witness_file is not None:
            append_witness(self._witness_file, head)

    def _write_isolated(self, request: _Append, tip: _Tip) -> _Tip:
        """Write one caller's records in a savepoint: a failure fails that caller only."""
        self._db.execute("SAVEPOINT append")
        try:
            tip = self._write(request, tip)
            self._db.execute("RELEASE append")
        except Exception as error:  # this caller's records only: the others still commit
            self._db.execute("ROLLBACK TO append")
            self._db.execute("RELEASE append")
            request.error = error
        return tip

    def _write(self, request: _Append, tip: _Tip) -> _Tip:
        """Insert one caller's records after ``tip``; the tip after them.

        Few statements: every SQLite call lets go of the GIL, and under load each one
        may then wait for another thread's switch interval before it continues.
        """
        seq, prev, frontier = tip.seq, tip.prev, tip.frontier.copy()
        seen = recorded_keys(self._db, [key for key in request.keys if key is not None])
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
        insert_rows(self._db, "audit", rows)
        insert_rows(self._db, "audit_keys", key_rows)
        request.written = written
        return _Tip(seq, prev, frontier)

    def checkpoint(self) -> None:
        """Sign a head now if records lack one (every append group already signs its own)."""
        with self._lock:
            self._append_group([])

    def rotate_key(self, new_key: Ed25519PrivateKey) -> AuditRecord:
        """Hand the log to ``new_key``.

        A rotation record signed by the current key is written in a group whose head
        the new key signs. Other appending processes must then be
        restarted with the new key: the log refuses appends under the old one.
        """
        with self._lock:
            self._release_file_lock()
            with self._file_lock:
                return self._rotate_locked(new_key)

    def _rotate_locked(self, new_key: Ed25519PrivateKey) -> AuditRecord:
        self._known = None  # the next group reads the rotated state back
        self._db.execute("BEGIN IMMEDIATE")
        try:
            state = head_store.latest(self._db)
            self._check_key(state)
            tip = self._tip(state)
            payload = rotation_payload(self._key, new_key.public_key(), tip.seq + 1)
            request = _Append([(ROTATION_KIND, payload)], [None])
            tip = self._write(request, tip)
            old = self._key
            self._key, self._key_id = new_key, key_fingerprint(new_key.public_key())
            try:
                head = self._sign(tip, first=state is None)
                self._db.execute("COMMIT")
            except BaseException:
                self._key, self._key_id = old, key_fingerprint(old.public_key())
                raise
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        self._witness(head)
        return request.written[0]

    def records(self, kind: str | None = None, after: int = 0) -> list[AuditRecord]:
        """Records in order, optionally of one kind and after sequence number ``after``."""
        query = "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit WHERE seq > ?"
        with self._lock:
            rows = self._db.execute(
                query + (" AND kind = ?" if kind else "") + " ORDER BY seq",
                (after, kind) if kind else (after,),
            ).fetchall()
        return [AuditRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def committed_records(self, kind: str) -> list[AuditRecord]:
        """Committed records of ``kind``, read on a connection of their own, in order.

        Never waits for the writer: ``records`` shares the writer's connection and lock, so
        a reader there waits while a lookup's records are committed and fsynced (the web
        console asks for break-glass grants on every page, on its event loop). With
        write-ahead logging this connection sees every commit made before the read.
        """
        query = "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit"
        with self._reader_lock:
            if self._reader is None:
                self._reader = sqlite3.connect(
                    f"{self._path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    timeout=30,
                    check_same_thread=False,
                )
            rows = self._reader.execute(query + " WHERE kind = ? ORDER BY seq", (kind,)).fetchall()
        return [AuditRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def stored_records(self) -> list[StoredRecord]:
        """Every record as stored (payload text exactly as hashed), in storage order."""
        rows = self._db.execute(
            "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit ORDER BY rowid"
        ).fetchall()
        return [StoredRecord(*row) for row in rows]

    def heads(self) -> list[TreeHead]:
        """Every signed tree head, in the order written."""
        with self._lock:
            return head_store.all_heads(self._db)

    def heads_after(self, row_id: int) -> list[tuple[int, TreeHead]]:
        """Heads written after the one with row id ``row_id`` (for the witness relay)."""
        with self._lock:
            return head_store.heads_after(self._db, row_id)

    def verify(
        self,
        public_key: Ed25519PublicKey | str,
        *,
        bound_s: float = DEFAULT_HEAD_BOUND_S,
        witnessed: Sequence[TreeHead] | None = None,
    ) -> VerifyResult:
        """Check the chain, every head and, if given, the witnessed heads.

        Each head's key, signature, consistency and records are checked, and the time
        bound. ``public_key`` is the trusted key (or its fingerprint): the log's pinned
        key, or one its rotations introduced.
        """
        with self._lock:
            self._db.execute("BEGIN")  # one snapshot: records and heads as committed together
            try:
                records, heads = self.stored_records(), head_store.all_heads(self._db)
            finally:
                self._db.execute("COMMIT")
        return verify_log(records, heads, public_key, bound_s=bound_s, witnessed=witnessed)
