"""HL7 v2.5.1 ACKs: MSA-1/MSA-2, the ERR segment, and validity under hl7apy's strict parser."""

from __future__ import annotations

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.parser import parse_message

from adapters.hl7 import read_file
from adapters.hl7_ack import AckError, acknowledgement, error_code
from tests.fixtures.mllp import a04

MESSAGE = read_file(a04("V1", "CTRL-1")).messages[0]


def _segments(ack: str) -> dict[str, list[str]]:
    return {line[:3]: line.split("|") for line in ack.split("\r") if line}


def test_accepted_ack_names_the_message_and_swaps_sender_and_receiver() -> None:
    """AA: MSA-2 is the message's MSH-10, MSH-9 ACK^A04^ACK, MSH-3..6 swapped."""
    segments = _segments(acknowledgement(MESSAGE, control_id="ACK1"))
    assert ["MSA", "AA", "CTRL-1"] == segments["MSA"]
    assert ["HUB", "HUB", "EDIS", "RXX01"] == segments["MSH"][2:6]
    assert "ACK^A04^ACK" == segments["MSH"][8]
    assert "ERR" not in segments


def test_error_ack_has_err_with_location_code_and_reason() -> None:
    """AE for wrong content: ERR-2 PV1^1^44, ERR-3 101 (table 0357), ERR-7/8 the reason."""
    error = AckError("PV1-44", "required field is missing", "101")
    err = _segments(acknowledgement(MESSAGE, control_id="A", error=error))["ERR"]
    assert "AE" == error.ack_code
    assert ["PV1^1^44", "101^Required field missing^HL70357", "E"] == err[2:5]
    assert "required field is missing" == err[7]
    assert "PV1-44: required field is missing" == err[8]


def test_delimiters_in_a_reason_are_escaped() -> None:
    """A reason quoting the delimiters and the escape character cannot break the fields."""
    error = AckError("PID-8", "'a|b^c~d&e\\f' is bad", "102")
    err = _segments(acknowledgement(MESSAGE, control_id="A", error=error))["ERR"]
    assert "'a\\F\\b\\S\\c\\R\\d\\T\\e\\E\\f' is bad" == err[7]


@pytest.mark.parametrize(
    ("field", "reason", "code", "ack"),
    [
        ("MSH-9", "'A99' is not one of: A01, A03", "201", "AR"),
        ("MSH-9", "message type 'ORU' is not ADT", "200", "AR"),
        ("MSH-12", "HL7 version '2.2' is not 2.3 or later", "203", "AR"),
        ("PV1", "PV1 segment is missing", "100", "AE"),
        ("PV1-44", "required field is missing", "101", "AE"),
        ("PID-8", "'Q' is not in HL7 table 0001 (F, M)", "103", "AE"),
        ("PV1-45", "discharge time is before arrival time", "102", "AE"),
    ],
)
def test_rejections_map_to_table_0357_codes(field: str, reason: str, code: str, ack: str) -> None:
    """What we do not take is AR (200/201/203); wrong content is AE (100-103)."""
    assert code == error_code(field, reason)
    assert ack == AckError(field, reason, code).ack_code


def test_unreadable_message_still_gets_an_ack() -> None:
    """With nothing readable, the ACK has an empty MSA-2 and AR (code 207)."""
    segments = _segments(acknowledgement(None, control_id="A", error=AckError.unreadable("x")))
    assert ["MSA", "AR", ""] == segments["MSA"]


@pytest.mark.parametrize("error", [None, AckError("PV1-44", "required field is missing", "101")])
def test_acks_are_valid_hl7_v251_under_hl7apy_strict(error: AckError | None) -> None:
    """hl7apy in strict mode parses and validates our ACK (types, lengths, structure)."""
    ack = acknowledgement(MESSAGE, control_id="0123456789abcdef0123", error=error)
    parsed = parse_message(ack, validation_level=VALIDATION_LEVEL.STRICT, find_groups=False)
    assert parsed.validate()


def test_warnings_follow_as_err_segments_of_severity_w_and_the_ack_stays_aa() -> None:
    """An accepted message with a notice: MSA-1 AA, ERR-4 W, valid under hl7apy strict."""
    warning = AckError.warning("ZSG-6", "label 'x' is not defined by the sharing policy")
    ack = acknowledgement(MESSAGE, control_id="0123456789abcdef0123", warnings=[warning])
    segments = _segments(ack)
    assert ("AA", ["ZSG^1^6", "103^Table value not found^HL70357", "W"]) == (
        segments["MSA"][1],
        segments["ERR"][2:5],
    )
    parsed = parse_message(ack, validation_level=VALIDATION_LEVEL.STRICT, find_groups=False)
    assert parsed.validate()
