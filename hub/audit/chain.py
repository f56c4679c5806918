"""A hash-chained, append-only audit log with Ed25519-signed checkpoints.

Each record carries the SHA-256 of the previous record, so changing,
deleting, inserting or reordering any record breaks the chain at that point;
``verify()`` says where. Checkpoints sign the chain head with the audit key,
so rewriting the whole chain from some point on is detected too unless the
signing key was also stolen (keep the public key elsewhere to check with).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hub.sqlite_wal import use_wal

GENESIS = "0" * 64
CHECKPOINT_EVERY = 100
PARAMETERS_PER_STATEMENT = 999  # SQLite's limit before 3.32 (32,766 since)


def _digest(prev_hash: str, seq: int, recorded_at: str, kind: str, payload: str) -> str:
    material = json.dumps([prev_hash, seq, recorded_at, kind, payload], separators=(",", ":"))
    return hashlib.sha256(material.encode()).hexdigest()


# Datetimes and dataclasses (which the standard library refuses) and str/int subclasses go
# to the standard library's path. UUIDs and enums, which it also refused, orjson writes as
# their text and value.
_PAYLOAD_OPTIONS = (
    orjson.OPT_SORT_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def payload_text(payload: dict[str, Any]) -> str:
    """A record's payload as stored: JSON with sorted keys.

    The chain hashes the text as stored, and ``verify()`` rehashes the stored text, so
    the writer may change between records. orjson writes a lookup's record in about
    1.4 us against 10 us (docs/benchmarks.md); what it cannot write (non-string keys,
    integers beyond 64 bits, datetimes) goes to the standard library, as before.
    """
    try:
        return orjson.dumps(payload, option=_PAYLOAD_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return json.dumps(payload, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class AuditRecord:
    seq: int
    recorded_at: str
    kind: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class _FileLock:
    """An exclusive lock on a file, shared by every process that appends to the log.

    The file stays open for the log's lifetime (one descriptor, locked and unlocked per
    append); the threads of one process are already serialised by the writer's lock.
    """

    def __init__(self, path: Path) -> None:
        self._descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def __enter__(self) -> None:
        fcntl.flock(self._descriptor, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        fcntl.flock(self._descriptor, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._descriptor)


@dataclass
class _Append:
    """One caller's records, waiting to be written by whichever thread holds the writer."""

    items: Sequence[tuple[str, dict[str, Any]]]
    keys: Sequence[str | None]
    written: list[AuditRecord] = field(default_factory=list)
    error: BaseException | None = None
    finished: bool = False


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    checkpoints: int
    problems: list[str]


class AuditLog:
    """Append-only audit records in SQLite; one writer at a time (SQLite's lock).

    One object may be shared by the threads of a server: calls are serialised.
    """

    def __init__(self, path: Path, signing_key: Ed25519PrivateKey) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file_lock = _FileLock(path.with_name(path.name + ".lock"))
        self._key = signing_key
        self._lock = threading.RLock()  # the writer's
        self._queue_lock = threading.Lock()  # appends waiting for the writer
        self._queue: list[_Append] = []
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        # Write-ahead logging: one fsync per commit, and readers never block the writer.
        use_wal(self._db)
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY,"
            " recorded_at TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,"
            " prev_hash TEXT NOT NULL, hash TEXT NOT NULL)"
        )
        # Idempotency keys of records that must be written at most once (e.g. an alert raised):
        # a retried append after a crash finds its key and writes nothing again.
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS audit_keys (key TEXT PRIMARY KEY, seq INTEGER NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS checkpoints (seq INTEGER PRIMARY KEY, hash TEXT NOT NULL,"
            " signed_at TEXT NOT NULL, signature TEXT NOT NULL)"
        )

    def close(self) -> None:
        self._db.close()
        self._file_lock.close()

    def append(self, kind: str, payloads: list[dict[str, Any]]) -> list[AuditRecord]:
        """Append records atomically, chained to the current head; checkpoint periodically."""
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
        request = _Append(items, keys or [None] * len(items))
        with self._queue_lock:
            self._queue.append(request)
        # Group commit: whoever holds the write lock writes every append queued meanwhile
        # in one transaction (one fsync), each in its own savepoint, so concurrent callers
        # (a server's threads) share the cost of making their records durable.
        with self._lock:
            if not request.finished:
                with self._queue_lock:
                    group, self._queue = self._queue, []
                self._append_group(group)
        if request.error is not None:
            raise request.error
        return request.written

    def _append_group(self, group: list[_Append]) -> None:
        # Other processes may append too (`hub serve --processes`). SQLite would make a
        # writer that finds the database locked sleep and retry, in steps of up to 100 ms;
        # a lock file wakes the next writer as soon as the last one commits.
        with self._file_lock:
            self._append_group_locked(group)

    def _append_group_locked(self, group: list[_Append]) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
                ).fetchone()
                head = (row[0], row[1]) if row else (0, GENESIS)
                if len(group) == 1:
                    self._write(group[0], head)  # alone: the transaction is its unit
                else:
                    for request in group:
                        head = self._write_isolated(request, head)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except BaseException as error:
            for request in group:
                request.written, request.error = [], request.error or error
            raise
        finally:
            for request in group:
                request.finished = True

    def _write_isolated(self, request: _Append, head: tuple[int, str]) -> tuple[int, str]:
        """Write one caller's records in a savepoint: a failure fails that caller only."""
        self._db.execute("SAVEPOINT append")
        try:
            head = self._write(request, head)
            self._db.execute("RELEASE append")
        except Exception as error:  # this caller's records only: the others still commit
            self._db.execute("ROLLBACK TO append")
            self._db.execute("RELEASE append")
            request.error = error
        return head

    def _write(self, request: _Append, head: tuple[int, str]) -> tuple[int, str]:
        """Insert one caller's records, chained to ``head``; the chain head after them.

        Few statements: every SQLite call lets go of the GIL, and under load each one
        may then wait for another thread's switch interval before it continues.
        """
        seq, prev = head
        seen = self._recorded_keys([key for key in request.keys if key is not None])
        rows: list[tuple[Any, ...]] = []
        key_rows: list[tuple[Any, ...]] = []
        signed: list[tuple[int, str]] = []
        written = []
        for (kind, payload), key in zip(request.items, request.keys, strict=True):
            if key is not None:
                if key in seen:
                    continue
                seen.add(key)
            seq += 1
            recorded_at = datetime.now(UTC).isoformat()
            text = payload_text(payload)
            digest = _digest(prev, seq, recorded_at, kind, text)
            rows.append((seq, recorded_at, kind, text, prev, digest))
            if key is not None:
                key_rows.append((key, seq))
            written.append(AuditRecord(seq, recorded_at, kind, payload, prev, digest))
            if seq % CHECKPOINT_EVERY == 0:
                signed.append((seq, digest))
            prev = digest
        self._insert_rows("audit", rows)
        self._insert_rows("audit_keys", key_rows)
        for signed_seq, signed_digest in signed:
            self._checkpoint(signed_seq, signed_digest)
        request.written = written
        return seq, prev

    def _recorded_keys(self, keys: list[str]) -> set[str]:
        seen: set[str] = set()
        for start in range(0, len(keys), PARAMETERS_PER_STATEMENT):
            chunk = keys[start : start + PARAMETERS_PER_STATEMENT]
            marks = ",".join("?" * len(chunk))
            seen.update(
                row[0]
                for row in self._db.execute(
                    f"SELECT key FROM audit_keys WHERE key IN ({marks})", chunk
                )
            )
        return seen

    def _insert_rows(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        """Insert rows with as few statements as SQLite's parameter limit allows."""
        if not rows:
            return
        per_statement = max(1, PARAMETERS_PER_STATEMENT // len(rows[0]))
        row_marks = "(" + ",".join("?" * len(rows[0])) + ")"
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            self._db.execute(
                f"INSERT INTO {table} VALUES " + ",".join([row_marks] * len(chunk)),
                [value for row in chunk for value in row],
            )

    def checkpoint(self) -> None:
        """Sign the current head now (e.g. at the end of a batch or on shutdown)."""
        with self._lock:
            self._checkpoint_head()

    def _checkpoint_head(self) -> None:
        row = self._db.execute("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
        if row:
            self._db.execute("BEGIN IMMEDIATE")
            self._checkpoint(row[0], row[1])
            self._db.execute("COMMIT")

    def _checkpoint(self, seq: int, digest: str) -> None:
        signature = self._key.sign(f"{seq}:{digest}".encode()).hex()
        self._db.execute(
            "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?)",
            (seq, digest, datetime.now(UTC).isoformat(), signature),
        )

    def records(self, kind: str | None = None, after: int = 0) -> list[AuditRecord]:
        """Records in order, optionally of one kind and after sequence number ``after``."""
        query = "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit WHERE seq > ?"
        with self._lock:
            rows = self._db.execute(
                query + (" AND kind = ?" if kind else "") + " ORDER BY seq",
                (after, kind) if kind else (after,),
            ).fetchall()
        return [AuditRecord(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def verify(self, public_key: Ed25519PublicKey) -> VerifyResult:
        """Recompute the chain and check every checkpoint; name the first place it breaks."""
        with self._lock:
            return self._verify(public_key)

    def _verify(self, public_key: Ed25519PublicKey) -> VerifyResult:
        problems: list[str] = []
        rows = self._db.execute(
            "SELECT seq, recorded_at, kind, payload, prev_hash, hash FROM audit ORDER BY rowid"
        ).fetchall()
        expected_seq, prev = 1, GENESIS
        hashes: dict[int, str] = {}
        for seq, recorded_at, kind, payload, prev_hash, digest in rows:
            if seq != expected_seq:
                what = (
                    "missing (deleted)"
                    if seq > expected_seq
                    else "out of order (reordered or inserted)"
                )
                problems.append(f"record {expected_seq}: {what}; found record {seq} next")
                break
            if prev_hash != prev:
                problems.append(f"record {seq}: does not follow record {seq - 1} (chain broken)")
                break
            if _digest(prev_hash, seq, recorded_at, kind, payload) != digest:
                problems.append(f"record {seq}: content does not match its hash (modified)")
                break
            hashes[seq] = digest
            prev, expected_seq = digest, seq + 1
        checkpoints = self._db.execute(
            "SELECT seq, hash, signature FROM checkpoints ORDER BY seq"
        ).fetchall()
        for seq, digest, signature in checkpoints:
            try:
                public_key.verify(bytes.fromhex(signature), f"{seq}:{digest}".encode())
            except (InvalidSignature, ValueError):
                problems.append(f"checkpoint at record {seq}: signature invalid")
                continue
            if not problems and hashes.get(seq) != digest:
                problems.append(
                    f"checkpoint at record {seq}: chain differs from the signed head"
                    + ("" if seq in hashes else " (records after it were deleted)")
                )
        return VerifyResult(not problems, len(rows), len(checkpoints), problems)
