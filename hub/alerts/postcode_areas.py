"""Which local authority covers a postcode: a reference table by postcode district or sector.

Used to route a concern about a child whose responsible authority is not otherwise
known (no plan, no sibling with one, no school on record) to the children's
services front door of the area the child lives in. The table is a CSV file with
the header ``postcode_prefix,la_code``: a prefix is a postcode district (``NX3``) or
sector (``NX3 4``); the longest matching prefix wins, so a sector that straddles a
boundary can override its district. Load it with ``hub reference postcodes FILE``;
``hub generate`` writes the synthetic area's table to ``reference/postcode-areas.csv``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from hub.domain.errors import HubError

COLUMNS = ["postcode_prefix", "la_code"]
_PREFIX = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?( [0-9])?$")


class PostcodeAreasError(HubError):
    """The postcode reference file cannot be used; the message names the line and field."""


def normalise(postcode: str) -> str:
    """Upper case, single inner space before the inward code (``nx34ab`` -> ``NX3 4AB``)."""
    compact = re.sub(r"\s+", "", postcode.upper())
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


@dataclass(frozen=True)
class PostcodeAreas:
    """Postcode district or sector -> local authority code."""

    prefixes: dict[str, str]

    def __len__(self) -> int:
        return len(self.prefixes)

    def authority(self, postcode: str | None) -> str | None:
        """The authority of the longest prefix of ``postcode`` in the table, if any."""
        if not postcode:
            return None
        full = normalise(postcode)
        outward, _, inward = full.partition(" ")
        for prefix in (f"{outward} {inward[:1]}" if inward else None, outward):
            if prefix and prefix in self.prefixes:
                return self.prefixes[prefix]
        return None

    @classmethod
    def parse(cls, text: str, source: str = "postcode-areas") -> PostcodeAreas:
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != COLUMNS:
            raise PostcodeAreasError(f"{source}:1: (header): must be {','.join(COLUMNS)}")
        prefixes: dict[str, str] = {}
        for row in reader:
            line = reader.line_num
            prefix = " ".join((row.get("postcode_prefix") or "").upper().split())
            code = (row.get("la_code") or "").strip()
            if not _PREFIX.match(prefix):
                raise PostcodeAreasError(
                    f"{source}:{line}: postcode_prefix: {prefix!r} is not a postcode district "
                    "(NX3) or sector (NX3 4)"
                )
            if not code:
                raise PostcodeAreasError(f"{source}:{line}: la_code: required")
            if prefix in prefixes:
                raise PostcodeAreasError(
                    f"{source}:{line}: postcode_prefix: {prefix} appears twice"
                )
            prefixes[prefix] = code
        return cls(prefixes)

    def to_csv(self) -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(sorted(self.prefixes.items()))
        return buffer.getvalue()


def load_areas(path: Path) -> PostcodeAreas:
    """The table in the file at ``path``, or an empty one when none has been loaded."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return PostcodeAreas({})
    return PostcodeAreas.parse(text, str(path))
