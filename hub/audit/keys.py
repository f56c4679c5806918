"""The audit signing key (Ed25519): from ``HUB_AUDIT_SIGNING_KEY``, or an embedded default.

In production the key is a PEM file named by ``HUB_AUDIT_SIGNING_KEY``, outside the data
directory and owned by someone other than whoever can write the audit database: a key
beside the log lets anyone who can rewrite the log re-sign it. For a laptop or a demo,
with the variable unset, a key is generated once under the data directory (mode 0600)
and every process that opens it warns at start-up that it is the embedded default.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)

from hub.keyfiles import write_once

log = structlog.get_logger(__name__)
_warned: set[Path] = set()


def audit_signing_key(keys_dir: Path) -> Ed25519PrivateKey:
    """The embedded default key under ``keys_dir``, generated on first use."""
    path = keys_dir / "audit-signing.pem"
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        if write_once(path, private_pem(key)):  # another process may have won: its key is used
            write_once(keys_dir / "audit-signing.pub.pem", public_pem(key.public_key()), 0o644)
    return load_signing_key(path)


def configured_signing_key(configured: Path | None, data_dir: Path) -> Ed25519PrivateKey:
    """The key named by ``HUB_AUDIT_SIGNING_KEY``; else the embedded default, with a warning."""
    if configured is not None:
        return load_signing_key(configured)
    keys_dir = data_dir / "keys"
    if keys_dir not in _warned:
        _warned.add(keys_dir)
        log.warning(
            "audit_signing_key_embedded_default",
            detail="HUB_AUDIT_SIGNING_KEY is unset: the audit key is generated beside the log,"
            " so whoever can rewrite the log can re-sign it; set it in production",
        )
    return audit_signing_key(keys_dir)


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    loaded = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, Ed25519PrivateKey):
        raise TypeError(f"{path} is not an Ed25519 private key")
    return loaded


def load_public_key(path: Path) -> Ed25519PublicKey:
    loaded = load_pem_public_key(path.read_bytes())
    if not isinstance(loaded, Ed25519PublicKey):
        raise TypeError(f"{path} is not an Ed25519 public key")
    return loaded


def private_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def public_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
