"""Server-rendered SVG bar charts of a report table (no script, no inline style: CSP-safe).

Each chart is an image with a title and a description naming what it shows; the table
beside it holds the same figures, so a screen reader (or anyone) reads the numbers there.
Colours are GOV.UK's text and blue, as presentation attributes the page's
Content-Security-Policy allows.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from hub.mi.report import Table

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 260
BAR_WIDTH = 360
BLUE = "#1d70b8"
TEXT = "#0b0c0c"
FONT = '"GDS Transport", arial, sans-serif'


def bar_chart(table: Table, chart_id: str) -> Markup | None:
    """Horizontal bars of the table's chart column, one per row but the total; or None."""
    if table.chart is None:
        return None
    column = table.chart
    rows = [row for row in table.rows if row[0] != "Total"]
    if not rows:
        return None
    values = [_number(row[column]) for row in rows]
    largest = max([*values, 1.0])
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + 60
    title = f"{table.columns[column].capitalize()} by {table.columns[0]}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="mi-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" font-family=\'{FONT}\' '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">Bar chart; the table below gives the same figures.</desc>',
    ]
    for index, (row, value) in enumerate(zip(rows, values, strict=True)):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * value / largest)
        label = str(row[0])[:40]
        shown = row[column] if row[column] is not None else "-"
        parts += [
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" fill="{TEXT}" '
            f'font-size="15">{escape(label)}</text>',
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{BLUE}"></rect>',
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + 16}" fill="{TEXT}" '
            f'font-size="15">{escape(str(shown))}</text>',
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: object) -> float:
    """A count or rate; a suppressed count (``<5``) or a gap draws no bar."""
    return float(value) if isinstance(value, int | float) else 0.0
