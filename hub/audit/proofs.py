"""Inclusion proofs a third party checks with the public key alone (``hub audit prove``).

A proof is a JSON document: the record as stored (so its entry, and so its leaf, can be
recomputed), its index, the audit path (RFC 9162 ``PATH``) and the signed head whose
root the path leads to. Checking it needs no access to the log: recompute the leaf,
fold the path into a root, compare with the head, and check the head's signature.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from hub.audit.heads import TreeHead, key_fingerprint
from hub.audit.merkle import MerkleTree, verify_inclusion
from hub.audit.records import StoredRecord, record_leaf

FORMAT = "safeguarding-hub audit inclusion proof v1"


def inclusion_proof(records: list[StoredRecord], head: TreeHead, seq: int) -> dict[str, Any]:
    """The proof that record ``seq`` is in the tree ``head`` signs."""
    if not 1 <= seq <= head.size <= len(records):
        raise ValueError(f"record {seq} is not covered by the newest head ({head.size} records)")
    tree = MerkleTree([record.leaf() for record in records[: head.size]])
    if tree.root().hex() != head.root:
        raise ValueError("the records do not match the newest head: run hub audit verify")
    record = records[seq - 1]
    return {
        "format": FORMAT,
        "record": {
            "seq": record.seq,
            "recorded_at": record.recorded_at,
            "kind": record.kind,
            "payload": record.payload,
            "prev_hash": record.prev_hash,
        },
        "leaf_index": seq - 1,
        "inclusion_path": [node.hex() for node in tree.inclusion_proof(seq - 1, head.size)],
        "tree_head": head.to_json(),
    }


def check_inclusion_proof(proof: dict[str, Any], public_key: Ed25519PublicKey) -> list[str]:
    """What is wrong with a proof, checked with ``public_key`` alone; empty if it holds."""
    try:
        if proof.get("format") != FORMAT:
            return [f"not a {FORMAT}"]
        head = TreeHead.from_json(proof["tree_head"])
        record = proof["record"]
        leaf = record_leaf(
            record["prev_hash"],
            record["seq"],
            record["recorded_at"],
            record["kind"],
            record["payload"],
        )
        path = [bytes.fromhex(node) for node in proof["inclusion_path"]]
        index = int(proof["leaf_index"])
        problems = []
        if index != record["seq"] - 1:
            problems.append("the leaf index is not the record's position")
        if head.key_id != key_fingerprint(public_key):
            problems.append(f"the head is signed by key {head.key_id[:16]}, not this public key")
        elif not head.signed_by(public_key):
            problems.append("the tree head's signature is invalid")
        if not verify_inclusion(leaf, index, head.size, path, bytes.fromhex(head.root)):
            problems.append("the record is not in the signed tree (path does not lead to the root)")
        return problems
    except (KeyError, TypeError, ValueError) as error:
        return [f"malformed proof ({type(error).__name__}: {error})"]
