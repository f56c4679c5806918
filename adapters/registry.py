"""Which adapter reads which agency's export, and which topic it publishes to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from adapters import emergency_care, police, school, school_roll, social_care
from adapters.records import ParsedExport
from hub import topics

Parser = Callable[..., ParsedExport]


@dataclass(frozen=True)
class AgencyAdapter:
    """An agency feed: its short name, native format, parser and topic."""

    name: str
    native_format: str
    parse: Parser
    topic: str

    def read(
        self, path: Path, *, now: datetime | None = None, zone: ZoneInfo | None = None
    ) -> ParsedExport:
        """Parse an export; ``zone``: local time of a feed whose times may lack an offset."""
        if zone is not None and self.name == "ae":
            return self.parse(path, now=now, zone=zone)
        return self.parse(path, now=now)


ADAPTERS = {
    adapter.name: adapter
    for adapter in (
        AgencyAdapter(
            "ae",
            "HL7 v2 ADT A01/A03/A04/A08/A11/A13",
            emergency_care.parse_file,
            topics.EMERGENCY_CARE,
        ),
        AgencyAdapter(
            "police", "domestic abuse notification JSON", police.parse_file, topics.POLICE
        ),
        AgencyAdapter("school", "attendance register CSV", school.parse_file, topics.SCHOOL),
        # On the schools' topic, keyed by pupil like the registers: a pupil's roll records
        # and register marks share a partition, so the hub reads them in the order sent.
        AgencyAdapter("school-roll", "pupil-on-roll CSV", school_roll.parse_file, topics.SCHOOL),
        AgencyAdapter("csc", "CP plan CSV", social_care.parse_file, topics.CHILDRENS_SOCIAL_CARE),
    )
}
