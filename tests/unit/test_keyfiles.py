"""Key files are created once, whole, by exactly one of several writers racing to create them."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from hub.audit.keys import audit_signing_key
from hub.keyfiles import write_once


def test_one_writer_of_many_creates_the_file_and_all_see_its_content(tmp_path: Path) -> None:
    """Twenty threads race; one wins, the file holds its content, mode 0600, no temp files."""
    path = tmp_path / "keys" / "a.key"
    results: list[bool] = []
    start = threading.Barrier(20)

    def write(n: int) -> None:
        start.wait()
        results.append(write_once(path, f"key {n}".encode()))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 1 == results.count(True)
    assert path.read_text().startswith("key ")
    assert 0o600 == stat.S_IMODE(path.stat().st_mode)
    assert [path] == list(path.parent.iterdir())


def test_audit_key_opened_together_is_the_same_key(tmp_path: Path) -> None:
    """Several openers of a fresh key directory all get the one key that was written."""
    keys: list[bytes] = []

    def open_key() -> None:
        keys.append(audit_signing_key(tmp_path).public_key().public_bytes_raw())

    threads = [threading.Thread(target=open_key) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert 8 == len(keys) and 1 == len(set(keys))
    assert (tmp_path / "audit-signing.pub.pem").exists()
