"""The witness file: every signed head as a line of JSON, appended outside the database.

The appending processes write it (``HUB_AUDIT_WITNESS_FILE``) as each head commits. Kept
where the database's owner cannot rewrite it (another host's mount, append-only storage,
a copy the IG lead takes), it lets ``hub audit verify --witness FILE`` see a truncated
log, deleted heads and rewrites, none of which the database alone can prove.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import structlog

from hub.audit.heads import TreeHead

log = structlog.get_logger(__name__)


def append_witness(path: Path, head: TreeHead) -> None:
    """Append one head as a line (one write, O_APPEND); a failure is logged, not raised.

    The head is already committed with its records when this runs; the next head, which
    covers the same records, is witnessed in its turn.
    """
    line = json.dumps(head.to_json(), separators=(",", ":")) + "\n"
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, line.encode())
        finally:
            os.close(descriptor)
    except OSError as error:
        log.error("audit_witness_file_not_written", error=type(error).__name__)


def read_witness_file(path: Path) -> list[TreeHead]:
    """The heads in a witness file; a line that is not a head is an error, not skipped."""
    heads = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                heads.append(TreeHead.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}:{number}: not a signed tree head ({error})") from None
    return heads
