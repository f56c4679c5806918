"""Signed tree heads and key rotations: what the audit key signs, and how it is checked.

A head says "the audit log had ``size`` records, whose Merkle tree root is ``root``, at
``signed_at``, signed by the key ``key_id``" (RFC 9162's signed tree head, with an
Ed25519 signature over a fixed text). ``key_id`` is the SHA-256 fingerprint of the raw
public key; the log's first head also carries the public key itself, which pins it: every
later head must be signed by that key, or by a key a rotation record signed by the key
before it introduced. The statements are plain text, one field a line, so a third party
can check a signature with any Ed25519 implementation.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

HEAD_ORIGIN = "safeguarding-hub audit log v1"
ROTATION_ORIGIN = "safeguarding-hub audit key rotation v1"
ROTATION_KIND = "audit-key-rotation"


def raw_public_key(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_fingerprint(key: Ed25519PublicKey) -> str:
    """The key id: hex SHA-256 of the raw 32-byte public key."""
    return hashlib.sha256(raw_public_key(key)).hexdigest()


def public_key_from_text(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def public_key_text(key: Ed25519PublicKey) -> str:
    return base64.b64encode(raw_public_key(key)).decode()


@dataclass(frozen=True)
class TreeHead:
    """One signed tree head; ``public_key`` (base64, raw) only on the log's first head."""

    size: int
    root: str  # hex
    signed_at: str  # ISO 8601, UTC
    key_id: str
    signature: str  # hex
    public_key: str | None = None
    adopted: int = 0  # records written before the log had heads, adopted by this first head

    def statement(self) -> bytes:
        return head_statement(self.size, self.root, self.signed_at, self.key_id, self.adopted)

    def signed_by(self, key: Ed25519PublicKey) -> bool:
        if key_fingerprint(key) != self.key_id:
            return False
        try:
            key.verify(bytes.fromhex(self.signature), self.statement())
        except (InvalidSignature, ValueError):
            return False
        return True

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "size": self.size,
            "root": self.root,
            "signed_at": self.signed_at,
            "key_id": self.key_id,
            "signature": self.signature,
        }
        if self.public_key is not None:
            out["public_key"] = self.public_key
        if self.adopted:
            out["adopted"] = self.adopted
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TreeHead:
        return cls(
            int(data["size"]),
            str(data["root"]),
            str(data["signed_at"]),
            str(data["key_id"]),
            str(data["signature"]),
            data.get("public_key"),
            int(data.get("adopted", 0)),
        )

    def same_as(self, other: TreeHead) -> bool:
        return (self.size, self.root, self.signed_at, self.signature) == (
            other.size,
            other.root,
            other.signed_at,
            other.signature,
        )


def head_statement(size: int, root: str, signed_at: str, key_id: str, adopted: int = 0) -> bytes:
    lines = [HEAD_ORIGIN, str(size), root, signed_at, key_id]
    if adopted:
        lines.append(f"adopted {adopted}")
    return ("\n".join(lines) + "\n").encode()


def sign_head(
    key: Ed25519PrivateKey,
    size: int,
    root: bytes,
    signed_at: str,
    *,
    first: bool = False,
    adopted: int = 0,
) -> TreeHead:
    public = key.public_key()
    key_id = key_fingerprint(public)
    signature = key.sign(head_statement(size, root.hex(), signed_at, key_id, adopted)).hex()
    pinned = public_key_text(public) if first else None
    return TreeHead(size, root.hex(), signed_at, key_id, signature, pinned, adopted)


def rotation_statement(old_key_id: str, new_key_id: str, seq: int) -> bytes:
    """What the old key signs to hand the log to the new key, from record ``seq`` on."""
    return f"{ROTATION_ORIGIN}\n{old_key_id}\n{new_key_id}\n{seq}\n".encode()


def rotation_payload(old: Ed25519PrivateKey, new: Ed25519PublicKey, seq: int) -> dict[str, Any]:
    old_id, new_id = key_fingerprint(old.public_key()), key_fingerprint(new)
    return {
        "old_key_id": old_id,
        "new_key_id": new_id,
        "new_public_key": public_key_text(new),
        "seq": seq,
        "signature": old.sign(rotation_statement(old_id, new_id, seq)).hex(),
    }


def rotation_valid(payload: dict[str, Any], seq: int, old: Ed25519PublicKey) -> str | None:
    """The new key id if this rotation record, at ``seq``, was signed by ``old``; else None."""
    try:
        new = public_key_from_text(payload["new_public_key"])
        if payload["seq"] != seq or payload["old_key_id"] != key_fingerprint(old):
            return None
        if payload["new_key_id"] != key_fingerprint(new):
            return None
        statement = rotation_statement(payload["old_key_id"], payload["new_key_id"], seq)
        old.verify(bytes.fromhex(payload["signature"]), statement)
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return None
    return str(payload["new_key_id"])
