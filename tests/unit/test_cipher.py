"""The hub's AES-GCM cipher: eventsourcing's format both ways, never the same nonce twice."""

from __future__ import annotations

import os
import threading

import pytest
from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from hub.eventstore.cipher import _NONCES, NONCE_BYTES, HubAESCipher


def _environment() -> Environment:
    return Environment(env={"CIPHER_KEY": AESCipher.create_key(num_bytes=32)})


def test_reads_what_eventsourcings_cipher_wrote_and_the_other_way_round() -> None:
    """Stores written before the change stay readable, and the format is unchanged."""
    environment = _environment()
    ours, theirs = HubAESCipher(environment), AESCipher(environment)
    for plaintext in (b"", b"x", b'{"entry": "attended"}' * 40):
        assert ours.decrypt(theirs.encrypt(plaintext)) == plaintext
        assert theirs.decrypt(ours.encrypt(plaintext)) == plaintext


def test_a_changed_byte_or_a_short_text_is_refused() -> None:
    """AES-GCM's tag catches any change; a truncated text is refused before decrypting."""
    cipher = HubAESCipher(_environment())
    sealed = bytearray(cipher.encrypt(b"child record"))
    sealed[-1] ^= 1
    with pytest.raises(ValueError, match="Invalid cipher tag"):
        cipher.decrypt(bytes(sealed))
    with pytest.raises(ValueError, match="too short"):
        cipher.decrypt(bytes(sealed[:20]))


def test_nonces_are_never_repeated_across_blocks_and_threads() -> None:
    """Many threads encrypting at once across several blocks get distinct nonces."""
    cipher = HubAESCipher(_environment())
    nonces: list[bytes] = []
    lock = threading.Lock()

    def encrypt_many() -> None:
        mine = [cipher.encrypt(b"x")[:NONCE_BYTES] for _ in range(2500)]
        with lock:
            nonces.extend(mine)

    threads = [threading.Thread(target=encrypt_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(nonces) == 10_000
    assert len(set(nonces)) == len(nonces)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_reuse_its_parents_nonces() -> None:
    """After a fork, parent and child would take the same next slice without the reset."""
    _NONCES.take()  # the parent now holds a partly used block
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        os.close(reader)
        os.write(writer, _NONCES.take())
        os._exit(0)
    os.close(writer)
    child_nonce = os.read(reader, NONCE_BYTES)
    os.close(reader)
    os.waitpid(pid, 0)
    assert len(child_nonce) == NONCE_BYTES
    assert child_nonce != _NONCES.take()
