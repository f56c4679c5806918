"""A&E times to the microsecond through Avro: EmergencyAttendance v4, and readers of v3.

HL7 sends up to ten-thousandths of a second. The envelope keeps Avro milliseconds (every
version's readers read it unchanged); v4 carries the envelope's times to the microsecond
beside it, and the hub reads those.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastavro import schemaless_reader

from adapters import emergency_care
from adapters.records import OutboundEvent
from hub.ingest.decoding import FactCodec
from hub.ingest.translate import TranslationError, translate
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import HEADER_LENGTH, SingleObjectCodec

CORPUS = Path(__file__).parent.parent / "fixtures" / "hl7"
CATALOGUE = default_catalogue()
CODEC = SingleObjectCodec(CATALOGUE)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
# EVN-6 "20250115040500.5-0500" and EVN-2 "20250115101000.2531+0100".
OCCURRED = datetime(2025, 1, 15, 9, 5, 0, 500000, tzinfo=UTC)
RECORDED = datetime(2025, 1, 15, 9, 10, 0, 253100, tzinfo=UTC)


def _update(tmp_path: Path) -> OutboundEvent:
    path = tmp_path / "ae.hl7"
    path.write_bytes((CORPUS / "a08_update.hl7").read_bytes())
    [event] = emergency_care.parse_file(path, now=NOW).events
    return event


def test_a_fourth_decimal_of_a_second_reaches_the_chronology(tmp_path: Path) -> None:
    """EVN-2 at .2531 s is recorded at .253100 s, not cut to the millisecond."""
    fact = FactCodec().decode_fact(CODEC.encode("EmergencyAttendance", _update(tmp_path).record))
    assert fact.entry is not None
    assert (OCCURRED.isoformat(), RECORDED.isoformat()) == (
        fact.entry.occurred_at,
        fact.entry.recorded_at,
    )


def test_the_envelope_keeps_the_same_instants_to_the_millisecond(tmp_path: Path) -> None:
    """Decoded, the envelope says .253 s and the v4 field .2531 s: the same instant, cut."""
    record = CODEC.decode(CODEC.encode("EmergencyAttendance", _update(tmp_path).record)).record
    assert (RECORDED.replace(microsecond=253000), RECORDED) == (
        record["envelope"]["recorded_at"],
        record["recorded_at_micros"],
    )


def test_a_reader_of_v3_reads_what_v4_writes_without_misreading_a_time(tmp_path: Path) -> None:
    """Forward compatibility: a v3 reader gets the envelope's instants, to the millisecond."""
    v3, v4 = CATALOGUE.versions("EmergencyAttendance")[2:4]
    data = CODEC.encode_with(v4, _update(tmp_path).record)
    old: dict[str, Any] = schemaless_reader(io.BytesIO(data[HEADER_LENGTH:]), v4.parsed, v3.parsed)  # type: ignore[assignment]
    assert ("EmergencyAttendance.v3", OCCURRED, RECORDED.replace(microsecond=253000)) == (
        v3.label,
        old["envelope"]["occurred_at"],
        old["envelope"]["recorded_at"],
    )
    assert "recorded_at_micros" not in old


def test_a_record_written_before_v4_keeps_its_envelope_times(tmp_path: Path) -> None:
    """A v3 record (no microsecond fields) is read with the envelope's times as they are."""
    v3 = CATALOGUE.versions("EmergencyAttendance")[2]
    record = {k: v for k, v in _update(tmp_path).record.items() if not k.endswith("_micros")}
    fact = FactCodec().decode_fact(CODEC.encode_with(v3, record))
    assert fact.entry is not None
    assert RECORDED.replace(microsecond=253000).isoformat() == fact.entry.recorded_at


def test_microseconds_that_disagree_with_the_envelope_are_refused(tmp_path: Path) -> None:
    """A record whose exact time is not its envelope's is refused, never guessed at."""
    decoded = CODEC.decode(CODEC.encode("EmergencyAttendance", _update(tmp_path).record)).record
    decoded["recorded_at_micros"] = RECORDED.replace(second=1)
    with pytest.raises(TranslationError, match="recorded_at_micros"):
        translate("EmergencyAttendance", decoded, now=NOW)
