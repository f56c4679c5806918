"""Verifying the audit log: the chain, every signed head, the time bound, and the witnesses.

What is checked, and what each failure means:

- the hash chain, record by record (a changed, deleted, inserted or reordered record);
- the key: the first head pins a public key; the trusted key (the IG lead's copy, or the
  configured signing key's) must be that key or one a rotation record signed by its
  predecessor introduced; each head must be signed by the key in force at its size;
- each head's root against the Merkle tree of the records (a rewrite, or a head that
  covers records since deleted), and each head against the one before it with an
  RFC 9162 consistency proof (the log only ever grew);
- the time bound: every record must be covered by a head signed within ``bound_s`` of
  being recorded; a record no head covers is a failure (each head commits in the same
  transaction as its records, so only deleted heads leave records uncovered; a truncated
  tail deleted with its heads needs a witness to see);
- witnessed heads (a file or a Kafka topic outside the database): each must be signed,
  present in the log, and consistent with the log's records (truncation, deleted heads,
  rewrites made without the key).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.heads import (
    ROTATION_KIND,
    TreeHead,
    key_fingerprint,
    public_key_from_text,
    rotation_valid,
)
from hub.audit.merkle import MerkleTree, verify_consistency
from hub.audit.records import GENESIS, StoredRecord


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    records: int
    heads: int
    problems: list[str]
    notes: list[str] = field(default_factory=list)
    key_ids: tuple[str, ...] = ()  # the log's keys, pinned first

    @property
    def checkpoints(self) -> int:
        """The signed heads (the name earlier versions used)."""
        return self.heads


def _check_chain(records: Sequence[StoredRecord], problems: list[str]) -> int:
    """How many records, from the first, form an unbroken chain; the first break reported."""
    expected_seq, prev = 1, GENESIS
    for index, record in enumerate(records):
        seq = record.seq
        if seq != expected_seq:
            what = (
                "missing (deleted)"
                if seq > expected_seq
                else "out of order (reordered or inserted)"
            )
            problems.append(f"record {expected_seq}: {what}; found record {seq} next")
            return index
        if record.prev_hash != prev:
            problems.append(f"record {seq}: does not follow record {seq - 1} (chain broken)")
            return index
        if record.rehash() != record.hash:
            problems.append(f"record {seq}: content does not match its hash (modified)")
            return index
        prev, expected_seq = record.hash, seq + 1
    return len(records)


class _Keys:
    """The log's keys: the one pinned in its first head, then each rotation's."""

    def __init__(self, pinned: Ed25519PublicKey, records: Sequence[StoredRecord]) -> None:
        self.by_id = {key_fingerprint(pinned): pinned}
        self.changes: list[tuple[int, str]] = [(0, key_fingerprint(pinned))]
        self.problems: list[str] = []
        current = pinned
        for record in records:
            if record.kind != ROTATION_KIND:
                continue
            new_id = rotation_valid(json.loads(record.payload), record.seq, current)
            if new_id is None:
                self.problems.append(
                    f"record {record.seq}: key rotation not signed by the key in force"
                )
                continue
            current = public_key_from_text(json.loads(record.payload)["new_public_key"])
            self.by_id[new_id] = current
            self.changes.append((record.seq, new_id))

    def at(self, size: int) -> str:
        """The key id in force for a head of ``size`` records."""
        key_id = self.changes[0][1]
        for seq, changed_to in self.changes:
            if seq <= size:
                key_id = changed_to
        return key_id


def verify_log(
    records: Sequence[StoredRecord],
    heads: Sequence[TreeHead],
    trusted: Ed25519PublicKey | str,
    *,
    bound_s: float,
    witnessed: Sequence[TreeHead] | None = None,
) -> VerifyResult:
    problems: list[str] = []
    notes: list[str] = []
    intact = _check_chain(records, problems)
    chain_whole = intact == len(records)
    tree = MerkleTree([record.leaf() for record in records[:intact]])
    if not heads:
        if records:
            problems.append(f"no signed tree head covers the log's {len(records)} records")
        return VerifyResult(not problems, len(records), 0, problems, notes)
    first = heads[0]
    if first.public_key is None:
        problems.append("the first head pins no public key")
        return VerifyResult(False, len(records), len(heads), problems, notes)
    pinned = public_key_from_text(first.public_key)
    if key_fingerprint(pinned) != first.key_id:
        problems.append("the first head's public key does not match its key id")
    keys = _Keys(pinned, records[:intact])
    problems.extend(keys.problems)
    trusted_id = trusted.lower() if isinstance(trusted, str) else key_fingerprint(trusted)
    if trusted_id not in keys.by_id:
        problems.append(
            f"the log's first head pins key {first.key_id[:16]}, not the trusted key"
            f" {trusted_id[:16]} (public key replaced and heads re-signed?)"
        )
    _check_heads(heads, keys, tree, chain_whole, problems)
    if chain_whole:
        _check_bound(records, heads, bound_s, problems, notes)
    if witnessed is not None:
        _check_witnessed(witnessed, heads, keys, tree, chain_whole, problems, notes)
    ids = tuple(key_id for _, key_id in keys.changes)
    return VerifyResult(not problems, len(records), len(heads), problems, notes, ids)


def _head_name(head: TreeHead) -> str:
    return f"head of {head.size} records signed {head.signed_at[:19]}"


def _signed(head: TreeHead, keys: _Keys) -> str | None:
    """What is wrong with this head's key or signature, if anything."""
    expected = keys.at(head.size)
    if head.key_id != expected:
        return (
            f"{_head_name(head)}: signed by key {head.key_id[:16]}, not the log's key"
            f" {expected[:16]} (no rotation record signed by the old key says so)"
        )
    if not head.signed_by(keys.by_id[expected]):
        return f"{_head_name(head)}: signature invalid"
    return None


def _check_heads(
    heads: Sequence[TreeHead],
    keys: _Keys,
    tree: MerkleTree,
    chain_whole: bool,
    problems: list[str],
) -> None:
    previous: TreeHead | None = None
    for index, head in enumerate(heads):
        wrong = _signed(head, keys)
        if wrong:
            problems.append(wrong)
        if index and head.public_key is not None:
            problems.append(f"{_head_name(head)}: a second head pinning a key")
        if head.adopted and index:
            problems.append(f"{_head_name(head)}: adopts records but is not the first head")
        if chain_whole:
            if head.size > tree.size:
                problems.append(
                    f"{_head_name(head)}: the log has only {tree.size} records"
                    " (records after them deleted)"
                )
            elif tree.root(head.size).hex() != head.root:
                problems.append(f"{_head_name(head)}: root differs from the records (rewritten)")
        if previous is not None:
            _check_successor(previous, head, tree, problems)
        previous = head


def _check_successor(
    previous: TreeHead, head: TreeHead, tree: MerkleTree, problems: list[str]
) -> None:
    if head.size < previous.size:
        problems.append(f"{_head_name(head)}: smaller than the head before it ({previous.size})")
        return
    if head.size > tree.size or previous.size == 0:
        return
    proof = tree.consistency_proof(previous.size, head.size)
    if not verify_consistency(
        previous.size,
        head.size,
        bytes.fromhex(previous.root),
        bytes.fromhex(head.root),
        proof,
    ):
        problems.append(
            f"{_head_name(head)}: not consistent with the head before it"
            f" ({previous.size} records): the log was not only appended to"
        )


def _check_bound(
    records: Sequence[StoredRecord],
    heads: Sequence[TreeHead],
    bound_s: float,
    problems: list[str],
    notes: list[str],
) -> None:
    """Every record first covered by a head signed within ``bound_s`` of it."""
    adopted = heads[0].adopted
    if adopted:
        notes.append(
            f"records 1-{adopted} were written before the log had signed heads;"
            f" adopted by its first head at {heads[0].signed_at[:19]}"
        )
    covering = sorted(heads, key=lambda head: (head.size, head.signed_at))
    late: list[tuple[int, int, float]] = []
    position = 0
    for record in records[adopted:]:
        while position < len(covering) and covering[position].size < record.seq:
            position += 1
        if position == len(covering):  # heads commit with their records: never legitimately
            late.append((record.seq, record.seq, float("inf")))
            continue
        recorded = datetime.fromisoformat(record.recorded_at)
        delay = (datetime.fromisoformat(covering[position].signed_at) - recorded).total_seconds()
        if delay > bound_s:
            late.append((record.seq, record.seq, delay))
    for start, end, worst in _ranges(late):
        uncovered = start > covering[-1].size
        what = (
            "no signed head covers them (heads deleted?)"
            if uncovered
            else f"first signed up to {worst:.1f} s after they were recorded (heads deleted?)"
        )
        problems.append(f"records {start}-{end}: {what}; the bound is {bound_s:g} s")


def _ranges(late: list[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    merged: list[tuple[int, int, float]] = []
    for start, end, delay in late:
        if (
            merged
            and merged[-1][1] + 1 == start
            and (
                merged[-1][2] == delay == float("inf") or float("inf") not in (merged[-1][2], delay)
            )
        ):
            first, _, worst = merged[-1]
            merged[-1] = (first, end, max(worst, delay))
        else:
            merged.append((start, end, delay))
    return merged


def _check_witnessed(
    witnessed: Sequence[TreeHead],
    heads: Sequence[TreeHead],
    keys: _Keys,
    tree: MerkleTree,
    chain_whole: bool,
    problems: list[str],
    notes: list[str],
) -> None:
    """Heads kept outside the database: signed, still in the log, consistent with it."""
    stored = {(head.size, head.signature) for head in heads}
    newest = max(heads, key=lambda head: head.size)
    missing = 0
    for head in witnessed:
        name = f"witnessed {_head_name(head)}"
        if head.key_id not in keys.by_id or _signed(head, keys):
            problems.append(f"{name}: not signed by the log's key (forged witness entry?)")
            continue
        if (head.size, head.signature) not in stored:
            missing += 1
            if missing <= 10:
                problems.append(f"{name}: missing from the log (heads deleted)")
        if not chain_whole:
            continue
        if head.size > tree.size:
            problems.append(
                f"{name}: the log has only {tree.size} records (truncated after it was witnessed)"
            )
            continue
        last = min(newest.size, tree.size)
        if (
            head.size <= last
            and head.size
            and not verify_consistency(
                head.size,
                last,
                bytes.fromhex(head.root),
                tree.root(last),
                tree.consistency_proof(head.size, last),
            )
        ):
            problems.append(f"{name}: the log's first {head.size} records differ (rewritten)")
    if missing > 10:
        problems.append(f"{missing - 10} more witnessed heads missing from the log")
    notes.append(f"{len(witnessed)} witnessed heads compared")
