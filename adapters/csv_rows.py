"""Reading a CSV export row by row with line numbers, and checking its header."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from adapters.records import FieldError, ParsedExport, RejectedRecord


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


def read_export(
    path: Path,
    columns: list[str],
    handle_row: Callable[[dict[str, str], ParsedExport], None],
    reference_of: Callable[[dict[str, str]], str | None],
) -> ParsedExport:
    """Feed each row to ``handle_row``; a bad row (or header) becomes a rejection, never a gap."""
    export = ParsedExport()
    line = 1
    try:
        for line, row in rows(path, columns):
            try:
                handle_row(row, export)
            except FieldError as error:
                export.rejected.append(
                    RejectedRecord(
                        str(path), f"line {line}", error.field_name, error.reason, reference_of(row)
                    )
                )
    except FieldError as error:
        export.rejected.append(
            RejectedRecord(str(path), f"line {line}", error.field_name, error.reason)
        )
    return export
