"""Reading a CSV export row by row with line numbers, and checking its header."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from adapters.records import FieldError


def rows(path: Path, required_columns: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)``; a header missing required columns raises ``FieldError``."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in required_columns if column not in header]
        if missing:
            raise FieldError("(header)", f"missing columns: {', '.join(missing)}")
        for row in reader:
            if None in row:
                raise FieldError("(row)", f"line {reader.line_num} has more fields than the header")
            yield reader.line_num, {k: (v or "") for k, v in row.items()}
