"""Adapters on good and bad native input: good records become events, bad ones are reported."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from uuid import UUID

from adapters import emergency_care, police, school, social_care
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native
from tests.fixtures.helpers import write_file

CODEC = SingleObjectCodec(default_catalogue())
UPN = "A123456789012"


def test_hl7_registration_and_discharge_become_two_valid_events(tmp_path: Path) -> None:
    """An A04 and its A03 yield REGISTERED and DISCHARGED events that encode against the schema."""
    path = write_file(tmp_path, "ae.hl7", native.HL7_GOOD_A04 + native.HL7_GOOD_A03)
    export = emergency_care.parse_file(path)
    assert export.rejected == []
    assert [e.record["attendance_event"] for e in export.events] == ["REGISTERED", "DISCHARGED"]
    for event in export.events:
        CODEC.encode(event.schema_name, event.record)
    discharged = export.events[1].record
    assert discharged["discharge_status"] == "HOME"
    assert export.events[0].key == "nhs:9434765919"
    assert export.events[0].record["envelope"]["subject"]["postcode"] == "LS1 4AB"
    assert export.events[0].record["registered_gp_practice"] == "B86001"


def test_hl7_accepts_newline_separated_segments(tmp_path: Path) -> None:
    """Files whose segments end in newlines (not carriage returns) parse the same."""
    path = write_file(tmp_path, "ae.hl7", native.HL7_GOOD_A04.replace("\r", "\n"))
    export = emergency_care.parse_file(path)
    assert len(export.events) == 1


def test_hl7_bad_check_digit_is_reported_with_line_and_field(tmp_path: Path) -> None:
    """A message with an invalid NHS number is rejected at its PID line, with the field."""
    text = native.HL7_GOOD_A04 + native.HL7_BAD_NHS + native.HL7_GOOD_A03
    export = emergency_care.parse_file(write_file(tmp_path, "ae.hl7", text))
    assert len(export.events) == 2
    [rejected] = export.rejected
    assert ("line 9", "PID-3") == (rejected.location, rejected.field)
    assert "modulus-11" in rejected.reason
    assert "9434765918" not in rejected.describe()


def test_hl7_future_arrival_is_rejected(tmp_path: Path) -> None:
    """An arrival time in the future is a data error, not an event."""
    export = emergency_care.parse_file(write_file(tmp_path, "ae.hl7", native.HL7_FUTURE_ARRIVAL))
    [rejected] = export.rejected
    assert rejected.field == "PV1-44"
    assert "future" in rejected.reason


def test_hl7_message_missing_pid_is_rejected(tmp_path: Path) -> None:
    """A message without a PID segment is reported, naming the segment."""
    text = "\r".join(s for s in native.HL7_GOOD_A04.split("\r") if not s.startswith("PID"))
    [rejected] = emergency_care.parse_file(write_file(tmp_path, "ae.hl7", text)).rejected
    assert rejected.field == "PID"


def test_event_id_is_derived_from_the_record_reference(tmp_path: Path) -> None:
    """Reading the same file twice gives the same event ids; different records differ."""
    path = write_file(tmp_path, "ae.hl7", native.HL7_GOOD_A04 + native.HL7_GOOD_A03)
    first = [e.event_id for e in emergency_care.parse_file(path).events]
    second = [e.event_id for e in emergency_care.parse_file(path).events]
    assert first == second
    assert len(set(first)) == 2
    assert UUID(first[0]).version == 5


def _police_file(tmp_path: Path, *notifications: Mapping[str, object]) -> Path:
    document = {"force": "WYP", "system": "NICHE", "notifications": list(notifications)}
    return write_file(tmp_path, "police.json", json.dumps(document))


def test_police_notification_is_keyed_by_household(tmp_path: Path) -> None:
    """A notification becomes one event keyed by the household's UPRN, children listed."""
    export = police.parse_file(_police_file(tmp_path, native.POLICE_GOOD))
    [event] = export.events
    assert event.key == "uprn:100012345678"
    assert event.record["risk_level"] == "HIGH"
    assert len(event.record["children"]) == 1
    CODEC.encode(event.schema_name, event.record)


def test_police_bad_notification_is_reported_and_good_one_kept(tmp_path: Path) -> None:
    """An unknown risk level is rejected by position and field; the next notification survives."""
    bad = dict(native.POLICE_GOOD, incident_reference="WYP-X", risk_level="severe")
    good = dict(native.POLICE_GOOD, incident_reference="WYP-Y")
    export = police.parse_file(_police_file(tmp_path, bad, good))
    assert [e.record["incident_reference"] for e in export.events] == ["WYP-Y"]
    [rejected] = export.rejected
    assert (
        rejected.location,
        rejected.field,
        rejected.record_reference,
    ) == ("notifications[0]", "risk_level", "WYP-X")


def test_police_child_with_future_birth_date_is_rejected(tmp_path: Path) -> None:
    """A child's date of birth in the future rejects the notification, naming the child."""
    child = dict(native.POLICE_GOOD["children"][0], date_of_birth="2099-01-01")  # type: ignore[index]
    bad = dict(native.POLICE_GOOD, children=[child])
    [rejected] = police.parse_file(_police_file(tmp_path, bad)).rejected
    assert rejected.field == "children[0].date_of_birth"


def test_police_file_that_is_not_json_is_reported(tmp_path: Path) -> None:
    """A file that is not JSON is reported with the line where parsing failed."""
    [rejected] = police.parse_file(write_file(tmp_path, "police.json", "{\n  oops")).rejected
    assert (rejected.location, rejected.field) == ("line 2", "(document)")


def _school_row(code: str, session: str = "AM", upn: str = UPN) -> str:
    return (
        f"100001,Test Primary,{upn},P1,Smith,James,2015-03-04,LS1 4AB,100012345678,"
        f"2026-11-02,{session},{code},,2026-11-02T09:30:00+00:00"
    )


def test_school_absence_mark_is_a_school_absence_and_present_mark_roll_evidence(
    tmp_path: Path,
) -> None:
    """An absence code is a ``SchoolAbsence``; a present mark is ``PupilOnRoll`` evidence."""
    text = "\n".join([native.SCHOOL_HEADER, _school_row("/"), _school_row("N", "PM")]) + "\n"
    export = school.parse_file(write_file(tmp_path, "att.csv", text))
    present, absent = export.events
    assert ("N", "UNAUTHORISED") == (
        absent.record["attendance_code"],
        absent.record["absence_type"],
    )
    assert ("PupilOnRoll", "REGISTER") == (present.schema_name, present.record["evidence"])
    reference = present.record["envelope"]["record_reference"]
    assert "100001/A123456789012/on-roll/2026-W45" == reference
    assert export.not_published == {}
    assert f"upn:{UPN}" == absent.key == present.key
    for event in export.events:
        CODEC.encode(event.schema_name, event.record)


def test_not_required_to_attend_is_counted_not_published(tmp_path: Path) -> None:
    """A "not required to attend" code is valid, counted, and publishes nothing."""
    text = "\n".join([native.SCHOOL_HEADER, _school_row("#")]) + "\n"
    export = school.parse_file(write_file(tmp_path, "att.csv", text))
    assert ([], {"not an absence (not required to attend)": 1}) == (
        export.events,
        export.not_published,
    )


def test_school_unknown_code_and_bad_upn_are_reported_by_line(tmp_path: Path) -> None:
    """Rows with an unknown DfE code or a bad UPN are rejected with line and field."""
    rows = [
        native.SCHOOL_HEADER,
        _school_row("ZZ"),
        _school_row("O", upn="B123456789012"),
        _school_row("I", "PM"),
    ]
    export = school.parse_file(write_file(tmp_path, "att.csv", "\n".join(rows) + "\n"))
    assert len(export.events) == 1
    assert [(r.location, r.field) for r in export.rejected] == [
        ("line 2", "attendance_code"),
        ("line 3", "upn"),
    ]


def test_school_file_missing_columns_is_rejected_whole(tmp_path: Path) -> None:
    """A register without the required columns is reported at its header."""
    [rejected] = school.parse_file(write_file(tmp_path, "att.csv", "urn,code\n1,N\n")).rejected
    assert (rejected.location, rejected.field) == ("line 1", "(header)")


def test_cp_plan_start_becomes_an_event_with_contacts(tmp_path: Path) -> None:
    """A plan-started row carries category, responsible authority phones and lead social worker."""
    text = native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n"
    [event] = social_care.parse_file(write_file(tmp_path, "cp.csv", text)).events
    assert (
        event.record["status_event"],
        event.record["plan_category"],
    ) == ("PLAN_STARTED", "NEGLECT")
    assert event.record["responsible_authority"]["out_of_hours_phone"] == "0113 000 0002"
    assert event.record["team"] == "Team North"
    CODEC.encode(event.schema_name, event.record)


def test_cp_plan_start_without_category_is_rejected(tmp_path: Path) -> None:
    """A plan start must say its category; the row is reported with the field."""
    row = native.CSC_PLAN_STARTED.replace(",neglect,", ",,")
    [rejected] = social_care.parse_file(
        write_file(tmp_path, "cp.csv", native.CSC_HEADER + "\n" + row + "\n")
    ).rejected
    assert (rejected.location, rejected.field) == ("line 2", "plan_category")


def test_upn_check_letters_cover_the_whole_dfe_alphabet() -> None:
    """UPNs whose check letter is L or Q (valid DfE letters) are accepted; S never is."""
    from hub.domain.identifiers import upn_is_valid

    assert upn_is_valid("Q991300726247")
    assert upn_is_valid("L991375720067")
    assert not upn_is_valid("S991375720067")
