"""Reading a CSV export row by row with line numbers, and checking its header.

Every format may carry the optional ``sensitivity_labels`` column; a column that
is neither the format's nor that one is reported as a notice (line 1, the
column's name, how many rows had a value in it), and each label the policy does
not define as a notice on its line, as is a ``recorded_at`` finer than the
millisecond the wire carries. Rows are still published.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

from adapters import labels
from adapters.fields import beyond_millisecond, millisecond_notice_reason
from adapters.records import FieldError, Notice, ParsedExport, RejectedRecord
from hub.native_formats import LABELS_COLUMN

# The date-time column of every CSV format (a millisecond timestamp on the wire).
TIME_COLUMN = "recorded_at"


def rows(
    path: Path, required_columns: list[str], unknown_columns: list[str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield ``(line number, row)``; a header missing required columns raises ``FieldError``.

    Columns of the header that are neither required nor ``sensitivity_labels`` are
    appended to ``unknown_columns`` (when given) before the first row is yielded.
    """
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in required_columns if column not in header]
        if missing:
            raise FieldError("(header)", f"missing columns: {', '.join(missing)}")
        if unknown_columns is not None:
            known = {*required_columns, LABELS_COLUMN}
            unknown_columns.extend(column for column in header if column not in known)
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
    """Feed each row to ``handle_row``; a bad row (or header) becomes a rejection, never a gap.

    ``handle_row`` always finds ``sensitivity_labels`` in the row (empty when the
    export has no such column).
    """
    export = ParsedExport()
    unknown_columns: list[str] = []
    filled: dict[str, int] = {}
    line = 1
    try:
        for line, row in rows(path, columns, unknown_columns):
            for column in unknown_columns:
                if row[column].strip():
                    filled[column] = filled.get(column, 0) + 1
            row.setdefault(LABELS_COLUMN, "")
            try:
                handle_row(row, export)
            except FieldError as error:
                export.rejected.append(
                    RejectedRecord(
                        str(path), f"line {line}", error.field_name, error.reason, reference_of(row)
                    )
                )
                continue
            dropped = beyond_millisecond(row.get(TIME_COLUMN))
            if dropped:
                export.notices.append(
                    Notice(
                        str(path),
                        f"line {line}",
                        TIME_COLUMN,
                        millisecond_notice_reason(dropped),
                        reference_of(row),
                    )
                )
            for label in labels.unknown(labels.from_csv(row[LABELS_COLUMN])):
                export.notices.append(
                    Notice(
                        str(path),
                        f"line {line}",
                        LABELS_COLUMN,
                        labels.unknown_reason(label),
                        reference_of(row),
                    )
                )
    except FieldError as error:
        export.rejected.append(
            RejectedRecord(str(path), f"line {line}", error.field_name, error.reason)
        )
    for column in unknown_columns:
        export.notices.append(
            Notice(
                str(path),
                "line 1",
                column,
                "unknown column: not a field of this format; its values in "
                f"{filled.get(column, 0)} rows were not published",
            )
        )
    return export
