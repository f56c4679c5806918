"""The audit signing key (Ed25519): generated once under the data directory, mode 0600."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from hub.keyfiles import write_once


def audit_signing_key(keys_dir: Path) -> Ed25519PrivateKey:
    path = keys_dir / "audit-signing.pem"
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        if write_once(path, pem):  # another process may have won: then its key is used
            write_once(
                keys_dir / "audit-signing.pub.pem",
                key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
                0o644,
            )
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 private key")
    return loaded
