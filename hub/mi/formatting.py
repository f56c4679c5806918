"""A report as text (aligned tables), CSV or JSON; every format starts with completeness.

Small counts (from 1 up to the threshold, ``HUB_MI_SMALL_COUNT``) may be suppressed in
outputs meant for boards: shown as ``<N``, with totals left as they are. Off (0) by
default.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace

from hub.mi.report import Cell, Report, Table

FORMATS = ("table", "csv", "json")


def suppress(report: Report, threshold: int) -> Report:
    """The report with counts from 1 to ``threshold - 1`` shown as ``<threshold``."""
    if threshold <= 1:
        return report
    return replace(report, tables=tuple(_suppressed(t, threshold) for t in report.tables))


def _suppressed(table: Table, threshold: int) -> Table:
    def cell(index: int, value: Cell, name: Cell) -> Cell:
        small = isinstance(value, int) and 0 < value < threshold
        return f"<{threshold}" if index in table.counts and small and name != "Total" else value

    rows = tuple(tuple(cell(i, v, row[0]) for i, v in enumerate(row)) for row in table.rows)
    return replace(table, rows=rows)


def render(report: Report, output: str) -> str:
    if output == "json":
        return json.dumps(report.as_record(), indent=2) + "\n"
    if output == "csv":
        return _csv(report)
    return _text(report)


def head_lines(report: Report) -> list[str]:
    return [
        f"{report.title}: {report.period.describe()}",
        *report.completeness.head(),
    ]


def _text(report: Report) -> str:
    lines = head_lines(report)
    for table in report.tables:
        lines += ["", table.title]
        cells = [list(table.columns)] + [[_show(v) for v in row] for row in table.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(table.columns))]
        for number, row in enumerate(cells):
            lines.append(
                "  ".join(
                    value.ljust(width) if i == 0 else value.rjust(width)
                    for i, (value, width) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
            if number == 0:
                lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


def _csv(report: Report) -> str:
    """One CSV: comment-free head rows (report, period, complete, each late source), then tables."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["report", report.name, "from", report.period.first, "to", report.period.last])
    writer.writerow(["complete", "yes" if report.complete else "NO: INCOMPLETE"])
    for status in report.completeness.missing:
        writer.writerow(["late or silent", status.describe()])
    for table in report.tables:
        writer.writerow([])
        writer.writerow(["table", table.name])
        writer.writerow(table.columns)
        writer.writerows([[_show(v) for v in row] for row in table.rows])
    return out.getvalue()


def _show(value: Cell) -> str:
    if value is None:
        return "-"
    return str(value)
