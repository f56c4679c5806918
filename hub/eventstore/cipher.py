"""AES-GCM for stored events: eventsourcing's format, with one key schedule per process.

eventsourcing's ``AESCipher`` builds an ``AESGCM`` object (the AES key schedule) and
reads 12 bytes from ``os.urandom`` for every event it encrypts or decrypts (its share
of an ingested event's cost is in docs/benchmarks.md). This cipher
writes and reads exactly the same bytes (nonce, tag, ciphertext), so either reads
what the other wrote, but keeps one ``AESGCM`` (stateless, and safe to share between
threads) and takes its random nonces from ``os.urandom`` a block at a time.

Nonces stay random 96-bit values, as before. A block is handed out under a lock, so
two threads never take the same slice, and a forked child drops its parent's block
before encrypting anything, so two processes never share one.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher

if TYPE_CHECKING:
    from eventsourcing.utils import Environment

NONCE_BYTES = 12
TAG_BYTES = 16
NONCES_PER_BLOCK = 1024


class _NoncePool:
    """Random nonces read from the OS a block at a time; never the same slice twice."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._block = b""
        self._next = 0

    def take(self) -> bytes:
        with self._lock:
            start = self._next
            if start >= len(self._block):
                self._block = os.urandom(NONCE_BYTES * NONCES_PER_BLOCK)
                start = 0
            self._next = start + NONCE_BYTES
            return self._block[start : start + NONCE_BYTES]

    def forget(self) -> None:
        """Drop the block (a forked child must not reuse its parent's nonces)."""
        self._lock = threading.Lock()
        self._block = b""
        self._next = 0


_NONCES = _NoncePool()
os.register_at_fork(after_in_child=_NONCES.forget)


class HubAESCipher(AESCipher):
    """eventsourcing's AES-GCM format, without a key schedule and a syscall per event."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._aead = AESGCM(self.key)

    def encrypt(self, plaintext: bytes) -> bytes:
        nonce = _NONCES.take()
        sealed = self._aead.encrypt(nonce, plaintext, None)
        # The tag goes at the front, as eventsourcing's AESCipher writes it.
        return nonce + sealed[-TAG_BYTES:] + sealed[:-TAG_BYTES]

    def decrypt(self, ciphertext: bytes) -> bytes:
        if len(ciphertext) < NONCE_BYTES + TAG_BYTES:
            raise ValueError("Damaged cipher text: too short for a nonce and a tag")
        nonce = ciphertext[:NONCE_BYTES]
        tag = ciphertext[NONCE_BYTES : NONCE_BYTES + TAG_BYTES]
        encrypted = ciphertext[NONCE_BYTES + TAG_BYTES :]
        try:
            return self._aead.decrypt(nonce, encrypted + tag, None)
        except InvalidTag as error:
            raise ValueError("Invalid cipher tag") from error
