"""Which sources are late or silent for a period (G3): every report says so at its head.

For each agency in the reference data, and each organisation that has sent it records,
the last record (by the time the agency gave it) up to the period's end is compared with
the cadence expected of it: ``daily`` wants a record in the last day before the end,
``weekly`` in the last seven days, ``school-days`` on the last school day of the period.
A source with nothing by then is late; with nothing in the period at all (or ever),
silent. Judged from the period's end, never from when the report runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from hub.domain.chronology import instant
from hub.mi.period import Period
from hub.mi.reference import MiReference
from hub.mi.report import Completeness, SourceStatus, Table
from hub.mi.sources import Sources

DEFAULT_CADENCE = "weekly"
SCHOOL_DAY_SEARCH = 21


def completeness(
    sources: Sources,
    reference: MiReference,
    period: Period,
    is_school_day: Callable[[date], bool],
    now: datetime,
) -> Completeness:
    """Every source's verdict for ``period`` (``now`` only marks an unfinished period)."""
    agencies: dict[str, datetime] = {}
    organisations: dict[tuple[str, str], datetime] = {}
    end = period.end
    for child in sources.children:
        for entry in child.entries:
            at = instant(entry.occurred_at)
            if at >= end:
                continue
            if entry.agency not in agencies or at > agencies[entry.agency]:
                agencies[entry.agency] = at
            key = (entry.agency, entry.source_organisation)
            if key not in organisations or at > organisations[key]:
                organisations[key] = at
    judged: list[SourceStatus] = []
    for agency in sorted(set(reference.cadences) | set(agencies)):
        cadence = reference.cadences.get(agency)
        wanted = cadence.agency if cadence else DEFAULT_CADENCE
        judged.append(_judge(agency, None, wanted, agencies.get(agency), period, is_school_day))
        for (sender, organisation), last in sorted(organisations.items()):
            if sender == agency:
                wanted = cadence.organisation if cadence else DEFAULT_CADENCE
                judged.append(_judge(agency, organisation, wanted, last, period, is_school_day))
    return Completeness(tuple(judged), provisional=end > now)


def _judge(
    agency: str,
    organisation: str | None,
    cadence: str,
    last: datetime | None,
    period: Period,
    is_school_day: Callable[[date], bool],
) -> SourceStatus:
    due = _due_after(cadence, period, is_school_day)
    if last is None:
        state = "silent"
    elif due is not None and last < due:
        state = "late" if last >= period.start else "silent"
    else:
        state = "ok"
    shown = last.isoformat() if last else None
    return SourceStatus(agency, organisation, cadence, shown, state)


def _due_after(
    cadence: str, period: Period, is_school_day: Callable[[date], bool]
) -> datetime | None:
    """The instant after which a record must exist for the source to be on time."""
    if cadence == "daily":
        return period.end - timedelta(days=1)
    if cadence == "school-days":
        for back in range(SCHOOL_DAY_SEARCH):
            day = period.last - timedelta(days=back)
            if day < period.first:
                return None
            if is_school_day(day):
                return datetime.combine(day, time(), period.zone)
        return None
    return period.end - timedelta(days=7)


def completeness_table(judged: Completeness) -> Table:
    """Every source, its cadence, last record and verdict (the completeness report)."""
    rows = tuple(
        (s.agency, s.organisation or "(agency)", s.cadence, s.last_record or "never", s.state)
        for s in judged.sources
    )
    return Table(
        "sources",
        "Sources: last record by the end of the period, against the cadence expected",
        ("agency", "organisation", "cadence", "last record", "state"),
        rows,
        chart=None,
    )
