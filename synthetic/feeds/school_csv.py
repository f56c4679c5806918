"""School feed: the day's attendance register export, one row per pupil per session."""

from __future__ import annotations

import csv
import io

from hub.native_formats import SCHOOL_REGISTER_COLUMNS
from synthetic import clock
from synthetic.activity.absence import ABSENCE, Mark
from synthetic.world import World

HEADER = list(SCHOOL_REGISTER_COLUMNS)


def register_csv(world: World, marks: list[Mark]) -> tuple[str, list[tuple[str, str]]]:
    """CSV text for ``marks`` and (record reference, child id) for every absence mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    truth: list[tuple[str, str]] = []
    records = world.schools.records
    for mark in marks:
        child, school = mark.child, mark.school
        record = records[(school.urn, child.child_id)]
        day = mark.day
        address = world.household_by_id[child.household_id].address_on(day)
        quirk = child.quirks.get("school")
        forename = quirk.given_name if quirk and quirk.given_name else record.forename
        born = quirk.date_of_birth if quirk and quirk.date_of_birth else child.dob
        writer.writerow(
            (
                school.urn,
                school.name,
                record.upn or "",
                record.local_pupil_id,
                record.surname,
                forename,
                born.isoformat(),
                address.postcode,
                address.uprn if school.records_uprn else "",
                day.isoformat(),
                mark.session,
                mark.code,
                "" if mark.consecutive is None else mark.consecutive,
                clock.iso(mark.recorded_at),
            )
        )
        if mark.code in ABSENCE:
            pupil = record.upn or record.local_pupil_id
            truth.append(
                (
                    f"{school.urn}/{pupil}/{day.isoformat()}/{mark.session}/{mark.code}",
                    child.child_id,
                )
            )
    return buffer.getvalue(), truth
