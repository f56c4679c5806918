"""Conformance: every generated A&E message is valid HL7 v2.5.1 to a real parser (hl7apy, strict).

hl7apy checks structure, data types and lengths; it does not check code tables, so the
tables the adapter reads (0001 sex, 0112 discharge disposition) are checked here too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hl7apy.consts import VALIDATION_LEVEL
from hl7apy.core import Message
from hl7apy.parser import parse_message

from adapters import emergency_care
from adapters.hl7_tables import DISCHARGE_DISPOSITION, SEX
from tests.unit.test_generator_support import NOW, day_dirs, run

_TS = re.compile(r"\d{14}[+-]\d{4}")


@pytest.fixture(scope="module")
def messages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Every message of a generated week, as separate texts (segments ended by CR)."""
    out = run(tmp_path_factory.mktemp("conformance"), children=3000, days=7)
    found: list[str] = []
    for day in day_dirs(out):
        text = (day / "ae.hl7").read_bytes().decode("utf-8")  # bytes: keep the CRs
        found += [m.rstrip("\r") for m in re.split(r"\r(?=MSH\|)", text) if m.strip()]
    return found


def _strict(text: str) -> Message:
    message = parse_message(text, validation_level=VALIDATION_LEVEL.STRICT, find_groups=True)
    message.validate()
    return message


def test_the_generated_week_has_every_kind_of_message(messages: list[str]) -> None:
    """The run holds registrations and discharges, so the checks below have real work."""
    kinds = {m.split("|")[8] for m in messages}
    assert {"ADT^A04^ADT_A01", "ADT^A03^ADT_A03"} == kinds


def test_every_generated_message_is_valid_v2_5_1_in_strict_mode(messages: list[str]) -> None:
    """hl7apy parses and validates each message strictly, without one error."""
    failures = []
    for text in messages:
        try:
            _strict(text)
        except Exception as error:  # hl7apy raises several types: all are failures here
            failures.append(f"{text.split('|')[9]}: {type(error).__name__}: {error}")
    assert ([], True) == (failures, len(messages) > 20)


def test_generated_codes_are_from_the_hl7_tables(messages: list[str]) -> None:
    """PID-8 is from table 0001 and PV1-36 from table 0112 (which hl7apy does not check)."""
    bad = []
    for text in messages:
        segments = {s.split("|")[0]: s.split("|") for s in text.split("\r")}
        if segments["PID"][8] not in SEX:
            bad.append(("PID-8", segments["PID"][8]))
        pv1 = segments["PV1"]
        if len(pv1) > 36 and pv1[36] and pv1[36] not in DISCHARGE_DISPOSITION:
            bad.append(("PV1-36", pv1[36]))
    assert [] == bad


def test_every_generated_timestamp_carries_an_offset(messages: list[str]) -> None:
    """MSH-7, EVN-2, PV1-44 and PV1-45 are full-precision DTMs with a +/-ZZZZ offset."""
    bad = []
    for text in messages:
        segments = {s.split("|")[0]: s.split("|") for s in text.split("\r")}
        pv1 = segments["PV1"]
        stamps = [segments["MSH"][6], segments["EVN"][2], pv1[44], *pv1[45:46]]
        bad += [stamp for stamp in stamps if stamp and not _TS.fullmatch(stamp)]
    assert [] == bad


def test_the_validator_rejects_what_the_old_generator_wrote(messages: list[str]) -> None:
    """A practice code in XON.3 (numeric) fails strict validation: the check is a real one."""
    text = next(m for m in messages if "\rPD1|||" in m)
    old = re.sub(r"(\rPD1\|\|\|[^\r^]*)\^{9}(\w+)", r"\1^^\2", text)
    assert old != text
    with pytest.raises(ValueError, match="NM"):
        _strict(old)


def test_the_adapter_accepts_every_generated_message(messages: list[str], tmp_path: Path) -> None:
    """What the generator writes, the adapter publishes: no message is rejected."""
    path = tmp_path / "ae.hl7"
    path.write_text("\r".join(messages) + "\r", encoding="utf-8")
    export = emergency_care.parse_file(path, now=NOW.replace(year=2027))
    assert ([], len(messages)) == (export.rejected, len(export.events))
