"""Bar charts as SVG: one bar per row but the total, longest for the largest, text escaped."""

from __future__ import annotations

import re

from hub.mi.report import Table
from hub.web.charts import bar_chart

TABLE = Table(
    "t",
    "Contacts",
    ("agency", "contacts"),
    (("POLICE", 2), ("<script>", 4), ("SCHOOL", "<5"), ("Total", 6)),
    counts=(1,),
)


def test_one_bar_per_row_but_the_total_scaled_to_the_largest() -> None:
    """Police half the largest; a suppressed count draws no bar; no bar for the total."""
    svg = str(bar_chart(TABLE, "c1"))
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert [180, 360, 0] == widths


def test_labels_are_escaped_and_the_chart_is_named() -> None:
    """A label is text, never markup; the image is named by its title."""
    svg = str(bar_chart(TABLE, "c1"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg and '<title id="c1-title">' in svg


def test_a_table_without_a_chart_column_has_no_chart() -> None:
    """The completeness table (text only) is shown as a table alone."""
    assert (
        bar_chart(
            Table("s", "Sources", ("agency", "state"), (("POLICE", "late"),), chart=None), "c"
        )
        is None
    )
