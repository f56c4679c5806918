"""Key files written once, atomically, even when several processes start together.

A key file is written to a private temporary file and then hard-linked to its
name, which fails if the name exists: exactly one writer wins, and no reader
ever sees a half-written key. (Several `hub serve --processes` servers open
the audit log at the same moment on a fresh data directory.)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_once(path: Path, content: bytes, mode: int = 0o600) -> bool:
    """Create ``path`` with ``content`` unless it exists; True if this call created it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(descriptor, mode)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        return True
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
