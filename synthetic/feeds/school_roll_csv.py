"""School roll feed: each school's pupils on roll (baseline) and the day's leavers and joiners.

Modelled on the DfE school census pupil record. The baseline lists every pupil on a
roll at the start date, with the September they entered the school's phase; each
day's file lists that day's school moves: a leaver row at the old school (leaving
date, status ``O``) and a joiner row at the new one. Everything is derived from the
world already built, so writing the roll draws no random numbers and leaves every
other generated file as it was.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time

from hub.native_formats import LABELS_COLUMN, SCHOOL_ROLL_COLUMNS
from synthetic import clock
from synthetic.model import Child, School
from synthetic.world import World

HEADER = [*SCHOOL_ROLL_COLUMNS, LABELS_COLUMN]
EXPORTED_AT = time(17, 0)  # schools export the roll at the end of the day
SECONDARY_START_AGE = 11


def _phase_entry(child: Child, school: School, start: date) -> date:
    """The September the child entered reception (primary) or year 7 (secondary).

    Never after the school year of ``start`` began: the generator puts every child of
    the phase's ages on a roll, even one a real school would admit only next September.
    """
    reception = child.dob.year + 4 + int(child.dob.month >= 9)
    year = reception + (SECONDARY_START_AGE - 4 if school.phase == "secondary" else 0)
    this_school_year = start.year if start.month >= 9 else start.year - 1
    return date(min(year, this_school_year), 9, 1)


def _row(
    world: World,
    child: Child,
    school: School,
    on: date,
    entry: date,
    leaving: date | None,
    recorded: datetime,
) -> tuple[str, ...]:
    record = world.schools.records[(school.urn, child.child_id)]
    address = world.household_by_id[child.household_id].address_on(on)
    quirk = child.quirks.get("school")
    return (
        school.urn,
        school.name,
        record.upn or "",
        "",
        record.local_pupil_id,
        record.surname,
        quirk.given_name if quirk and quirk.given_name else record.forename,
        (quirk.date_of_birth if quirk and quirk.date_of_birth else child.dob).isoformat(),
        address.postcode,
        address.uprn if school.records_uprn else "",
        entry.isoformat(),
        leaving.isoformat() if leaving else "",
        "O" if leaving else "C",
        clock.iso(recorded),
        "",
    )


def _csv(rows: list[tuple[str, ...]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue()


def _reference(row: tuple[str, ...]) -> str:
    reference = f"{row[0]}/{row[2] or row[4]}/{row[10]}"
    return f"{reference}/left/{row[11]}" if row[11] else reference


def baseline_roll_csv(world: World) -> tuple[str, list[tuple[str, str]]]:
    """Every pupil on a roll at the start date, and (record reference, child id) per row."""
    start = world.config.start_date
    # Exported the evening before the first day.
    recorded = datetime.combine(date.fromordinal(start.toordinal() - 1), EXPORTED_AT, tzinfo=UTC)
    rows = []
    truth = []
    for child in world.children:
        if not child.school_urn:
            continue
        school = world.schools.by_urn[child.school_urn]
        row = _row(world, child, school, start, _phase_entry(child, school, start), None, recorded)
        rows.append(row)
        truth.append((_reference(row), child.child_id))
    return _csv(rows), truth


def day_roll_csv(world: World, day: date) -> tuple[str, list[tuple[str, str]]]:
    """The day's school moves: the leaver's old school and the joiner's new one."""
    recorded = datetime.combine(day, EXPORTED_AT, tzinfo=UTC)
    rows = []
    truth = []
    for child in world.children:
        for index, move in enumerate(child.school_moves):
            if move.on != day:
                continue
            before = child.school_moves[index - 1].school_urn if index else child.school_urn
            if before is None:
                continue
            old, new = world.schools.by_urn[before], world.schools.by_urn[move.school_urn]
            entered = (
                child.school_moves[index - 1].on
                if index
                else _phase_entry(child, old, world.config.start_date)
            )
            for row in (
                _row(world, child, old, day, entered, day, recorded),
                _row(world, child, new, day, day, None, recorded),
            ):
                rows.append(row)
                truth.append((_reference(row), child.child_id))
    return _csv(rows), truth
