"""The ``tree_heads`` table: every signed tree head, and the tree state appends continue from.

Each row is one signed head plus, unsigned, the frontier of the tree at its size (the
roots of the perfect subtrees the log ends with), so the next append group extends the
tree in O(log n) hashes instead of rereading the log. The frontier is checked against the
signed root before use; a frontier that disagrees (or heads that no longer match the
records) makes the appender rebuild it from the records.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from hub.audit.heads import TreeHead
from hub.audit.merkle import Frontier

CREATE = (
    "CREATE TABLE IF NOT EXISTS tree_heads (id INTEGER PRIMARY KEY, size INTEGER NOT NULL,"
    " root TEXT NOT NULL, signed_at TEXT NOT NULL, key_id TEXT NOT NULL,"
    " signature TEXT NOT NULL, public_key TEXT, adopted INTEGER NOT NULL DEFAULT 0,"
    " frontier TEXT NOT NULL)"
)
_COLUMNS = "size, root, signed_at, key_id, signature, public_key, adopted"


@dataclass(frozen=True)
class TreeState:
    """The newest head and the frontier stored with it."""

    head: TreeHead
    frontier: Frontier


def has_table(db: sqlite3.Connection) -> bool:
    found = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tree_heads'"
    ).fetchone()
    return found is not None


def latest(db: sqlite3.Connection) -> TreeState | None:
    row = db.execute(
        f"SELECT {_COLUMNS}, frontier FROM tree_heads ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    head = _head(row)
    try:
        frontier = Frontier.from_text(head.size, row[7])
    except ValueError:
        frontier = Frontier()  # unusable: the appender rebuilds it
    return TreeState(head, frontier)


def insert(db: sqlite3.Connection, head: TreeHead, frontier: Frontier) -> None:
    db.execute(
        f"INSERT INTO tree_heads ({_COLUMNS}, frontier) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            head.size,
            head.root,
            head.signed_at,
            head.key_id,
            head.signature,
            head.public_key,
            head.adopted,
            frontier.to_text(),
        ),
    )


def all_heads(db: sqlite3.Connection) -> list[TreeHead]:
    """Every head in the order written."""
    return [_head(row) for row in db.execute(f"SELECT {_COLUMNS} FROM tree_heads ORDER BY id")]


def _head(row: tuple[object, ...]) -> TreeHead:
    size, root, signed_at, key_id, signature, public_key, adopted = row[:7]
    return TreeHead(
        int(str(size)),
        str(root),
        str(signed_at),
        str(key_id),
        str(signature),
        None if public_key is None else str(public_key),
        int(str(adopted)),
    )


def heads_after(
    db: sqlite3.Connection, row_id: int, limit: int = 1000
) -> list[tuple[int, TreeHead]]:
    """Heads written after row ``row_id``, with their row ids, oldest first."""
    rows = db.execute(
        f"SELECT id, {_COLUMNS} FROM tree_heads WHERE id > ? ORDER BY id LIMIT ?", (row_id, limit)
    ).fetchall()
    return [(int(row[0]), _head(row[1:])) for row in rows]
