"""The school roll adapter, and labels and unknown columns in every native format."""

from __future__ import annotations

import json
from pathlib import Path

from adapters import emergency_care, police, school, school_roll, social_care
from adapters.records import ParsedExport
from hub.native_formats import SCHOOL_ROLL_COLUMNS
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native
from tests.fixtures.helpers import write_file

CODEC = SingleObjectCodec(default_catalogue())
UPN = "A123456789012"
FORMER = "L991375720067"
ROLL_HEADER = ",".join([*SCHOOL_ROLL_COLUMNS, "sensitivity_labels"])


def _roll_row(
    *,
    upn: str = UPN,
    former: str = "",
    entry: str = "2024-09-04",
    leaving: str = "",
    status: str = "C",
    labels: str = "",
) -> str:
    return (
        f"100001,Test Primary,{upn},{former},P1,Smith,James,2015-03-04,LS1 4AB,100012345678,"
        f"{entry},{leaving},{status},2026-11-02T18:00:00+00:00,{labels}"
    )


def _roll(tmp_path: Path, *rows: str) -> ParsedExport:
    return school_roll.parse_file(write_file(tmp_path, "roll.csv", "\n".join([ROLL_HEADER, *rows])))


def test_roll_record_becomes_a_pupil_on_roll_event(tmp_path: Path) -> None:
    """A current pupil: school, UPN, former UPN, entry date and status, keyed by UPN."""
    [event] = _roll(tmp_path, _roll_row(former=FORMER)).events
    record = event.record
    assert ("SCHOOL_ROLL", "CURRENT_SINGLE", FORMER) == (
        record["evidence"],
        record["enrolment_status"],
        record["former_upn"],
    )
    assert "100001/A123456789012/2024-09-04" == record["envelope"]["record_reference"]
    assert f"upn:{UPN}" == event.key
    CODEC.encode(event.schema_name, record)


def test_leaver_is_a_new_record_with_its_leaving_date(tmp_path: Path) -> None:
    """The same enrolment with a leaving date is another record (the leaver), not a repeat."""
    joined, left = _roll(tmp_path, _roll_row(), _roll_row(leaving="2026-11-02", status="O")).events
    assert joined.event_id != left.event_id
    assert (
        "100001/A123456789012/2024-09-04/left/2026-11-02"
        == (left.record["envelope"]["record_reference"])
    )


def test_bad_roll_rows_are_reported_with_line_and_field(tmp_path: Path) -> None:
    """A wrong check letter, a previous pupil without leaving date, an unknown status."""
    export = _roll(
        tmp_path,
        _roll_row(upn="B123456789012"),
        _roll_row(former="B123456789012"),
        _roll_row(status="O"),
        _roll_row(status="Q"),
        _roll_row(entry="2026-11-03", leaving="2026-11-02"),
    )
    assert [
        ("line 2", "upn"),
        ("line 3", "former_upn"),
        ("line 4", "leaving_date"),
        ("line 5", "enrolment_status"),
        ("line 6", "leaving_date"),
    ] == [(r.location, r.field) for r in export.rejected]
    assert [] == export.events


def test_known_label_is_carried_and_unknown_label_reported(tmp_path: Path) -> None:
    """Labels separated by ';' reach the envelope; one the policy lacks is a notice on its line."""
    export = _roll(tmp_path, _roll_row(labels="shielded-address; shieldd-address"))
    [event] = export.events
    assert ["shieldd-address", "shielded-address"] == event.record["envelope"]["sensitivity_labels"]
    [notice] = export.notices
    assert ("line 2", "sensitivity_labels") == (notice.location, notice.field)
    assert "'shieldd-address'" in notice.reason


def test_unknown_csv_column_is_reported_not_dropped_in_silence(tmp_path: Path) -> None:
    """A register with an extra column: rows still published, the column reported at line 1."""
    header = native.SCHOOL_HEADER + ",keyworker"
    row = (
        "100001,Test Primary,A123456789012,P1,Smith,James,2015-03-04,LS1 4AB,100012345678,"
        "2026-11-02,AM,N,,2026-11-02T09:30:00+00:00,Ms Example"
    )
    export = school.parse_file(write_file(tmp_path, "att.csv", f"{header}\n{row}\n"))
    assert 1 == len(export.events)
    [notice] = export.notices
    assert ("line 1", "keyworker") == (notice.location, notice.field)
    assert "1 rows were not published" in notice.reason


def test_cp_plan_csv_carries_labels(tmp_path: Path) -> None:
    """The CP-plan CSV may carry sensitivity labels, validated like every format's."""
    text = native.CSC_HEADER + ",sensitivity_labels\n" + native.CSC_PLAN_STARTED + ",child-voice\n"
    export = social_care.parse_file(write_file(tmp_path, "cp.csv", text))
    [event] = export.events
    assert ["child-voice"] == event.record["envelope"]["sensitivity_labels"]
    assert [] == export.notices


def test_police_unknown_label_and_key_are_reported(tmp_path: Path) -> None:
    """An undefined label and an unknown key are notices; the notification is still published."""
    child = dict(native.POLICE_GOOD["children"][0], school="somewhere")  # type: ignore[index]
    item = dict(native.POLICE_GOOD, sensitivity_labels=["secret"], children=[child])
    document = {"force": "WYP", "system": "NICHE", "notifications": [item]}
    export = police.parse_file(write_file(tmp_path, "police.json", json.dumps(document)))
    assert 1 == len(export.events)
    assert [
        ("notifications[0]", "children[0].school"),
        ("notifications[0]", "sensitivity_labels"),
    ] == [(n.location, n.field) for n in export.notices]


def test_hl7_zsg_6_labels_are_carried_and_an_undefined_one_reported(tmp_path: Path) -> None:
    """ZSG-6 is checked like every format: published with its labels, a notice at ZSG-6."""
    text = native.HL7_GOOD_A04.replace("ZSG|first|Y|Y|N|N", "ZSG|first|Y|Y|N|N| child-voice ~chld")
    export = emergency_care.parse_file(write_file(tmp_path, "ae.hl7", text))
    [event] = export.events
    assert ["child-voice", "chld"] == event.record["envelope"]["sensitivity_labels"]
    [notice] = export.notices
    assert ("line 6", "ZSG-6", event.record["envelope"]["record_reference"]) == (
        notice.location,
        notice.field,
        notice.record_reference,
    )
    assert "'chld' is not defined by the sharing policy" in notice.reason
    assert [] == export.rejected


def test_hl7_defined_labels_raise_no_notice(tmp_path: Path) -> None:
    """Labels the policy defines pass without a notice."""
    text = native.HL7_GOOD_A04.replace("ZSG|first|Y|Y|N|N", "ZSG|first|Y|Y|N|N|shielded-address")
    assert [] == emergency_care.parse_file(write_file(tmp_path, "ae.hl7", text)).notices


def test_police_time_finer_than_a_millisecond_is_published_with_a_notice(tmp_path: Path) -> None:
    """A microsecond incident time goes out to the millisecond, and a notice says what was cut."""
    item = dict(native.POLICE_GOOD, incident_time="2026-11-01T21:40:00.123456+00:00")
    document = {"force": "WYP", "system": "NICHE", "notifications": [item]}
    export = police.parse_file(write_file(tmp_path, "police.json", json.dumps(document)))
    [event] = export.events
    [notice] = export.notices
    assert ("notifications[0]", "incident_time") == (notice.location, notice.field)
    assert "...456" in notice.reason
    decoded = CODEC.decode(CODEC.encode(event.schema_name, event.record))
    assert 123000 == decoded.record["incident_time"].microsecond


def test_csv_recorded_at_finer_than_a_millisecond_is_published_with_a_notice(
    tmp_path: Path,
) -> None:
    """The same in a CSV format: the row goes out, its line and column named in a notice."""
    row = _roll_row().replace("2026-11-02T18:00:00+00:00", "2026-11-02T18:00:00.0005+00:00")
    export = _roll(tmp_path, row)
    assert 1 == len(export.events)
    [notice] = export.notices
    assert ("line 2", "recorded_at") == (notice.location, notice.field)
    assert "...5" in notice.reason


def test_millisecond_times_raise_no_notice(tmp_path: Path) -> None:
    """Times the wire carries exactly are not reported."""
    row = _roll_row().replace("2026-11-02T18:00:00+00:00", "2026-11-02T18:00:00.250+00:00")
    assert [] == _roll(tmp_path, row).notices
