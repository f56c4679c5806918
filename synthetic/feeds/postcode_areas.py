"""The synthetic area's postcode table: each postcode district and the authority covering it."""

from __future__ import annotations

import csv
import io

from synthetic.model import Town


def postcode_areas_csv(towns: tuple[Town, ...]) -> str:
    """``postcode_prefix,la_code`` for every town's districts (``hub reference postcodes``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["postcode_prefix", "la_code"])
    writer.writerows(sorted((outward, t.la_code) for t in towns for outward in t.outwards))
    return buffer.getvalue()
