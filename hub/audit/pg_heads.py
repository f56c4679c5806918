"""The ``tree_heads`` table on PostgreSQL: signed heads, and the frontier appends continue from.

The same rows as ``hub.audit.head_store`` keeps in SQLite (created by ``hub db upgrade``
here): each signed head with, unsigned, the frontier of the tree at its size, checked
against the signed root before the appender uses it.
"""

from __future__ import annotations

from collections.abc import Sequence

from hub.audit.head_store import TreeState
from hub.audit.heads import TreeHead
from hub.audit.merkle import Frontier
from hub.sql_protocols import SqlConnection

_COLUMNS = "size, root, signed_at, key_id, signature, public_key, adopted"


def latest(db: SqlConnection) -> TreeState | None:
    """The newest head and its frontier (an empty frontier if the stored one is unusable)."""
    row = db.execute(
        f"SELECT {_COLUMNS}, frontier FROM tree_heads ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None:
        return None
    head = _head(row)
    try:
        frontier = Frontier.from_text(head.size, row[7])
    except ValueError:
        frontier = Frontier()
    return TreeState(head, frontier)


def insert(db: SqlConnection, head: TreeHead, frontier: Frontier) -> None:
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


def all_heads(db: SqlConnection) -> list[TreeHead]:
    """Every head in the order written."""
    return [_head(row) for row in db.execute(f"SELECT {_COLUMNS} FROM tree_heads ORDER BY id")]


def heads_after(db: SqlConnection, row_id: int, limit: int = 1000) -> list[tuple[int, TreeHead]]:
    """Heads written after row ``row_id``, with their row ids, oldest first."""
    rows = db.execute(
        f"SELECT id, {_COLUMNS} FROM tree_heads WHERE id > ? ORDER BY id LIMIT ?", (row_id, limit)
    ).fetchall()
    return [(int(row[0]), _head(row[1:])) for row in rows]


def _head(row: Sequence[object]) -> TreeHead:
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
