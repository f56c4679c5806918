"""HL7 DTM values read exactly: every precision, offsets applied, else the sender's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from adapters.hl7_time import parse_date, parse_dtm, time_zone
from adapters.records import FieldError

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2006", datetime(2006, 1, 1, tzinfo=UTC)),  # winter: London is UTC
        ("200607", datetime(2006, 6, 30, 23, tzinfo=UTC)),  # 1 July 00:00 BST
        ("20060705", datetime(2006, 7, 4, 23, tzinfo=UTC)),
        ("2006070509", datetime(2006, 7, 5, 8, tzinfo=UTC)),  # hour precision: 09:00 BST
        ("199912271408", datetime(1999, 12, 27, 14, 8, tzinfo=UTC)),  # 14:08, not 14:00:08
        ("20061107093015", datetime(2006, 11, 7, 9, 30, 15, tzinfo=UTC)),
        ("20061107093015.2", datetime(2006, 11, 7, 9, 30, 15, 200000, tzinfo=UTC)),
        ("20061107093015.25", datetime(2006, 11, 7, 9, 30, 15, 250000, tzinfo=UTC)),
        ("20061107093015.253", datetime(2006, 11, 7, 9, 30, 15, 253000, tzinfo=UTC)),
        ("20061107093015.2531", datetime(2006, 11, 7, 9, 30, 15, 253100, tzinfo=UTC)),
        ("20060705093015+0100", datetime(2006, 7, 5, 8, 30, 15, tzinfo=UTC)),
        ("20060705093015-0400", datetime(2006, 7, 5, 13, 30, 15, tzinfo=UTC)),
        ("20060705093015+0530", datetime(2006, 7, 5, 4, 0, 15, tzinfo=UTC)),
        ("20060705093015.25-0000", datetime(2006, 7, 5, 9, 30, 15, 250000, tzinfo=UTC)),
        ("2006070509+0200", datetime(2006, 7, 5, 7, tzinfo=UTC)),
        ("2006+0100", datetime(2005, 12, 31, 23, tzinfo=UTC)),
    ],
)
def test_every_precision_and_offset_gives_the_stated_instant(text: str, instant: datetime) -> None:
    """The instant is the start of the named period; an offset is applied, else London time."""
    assert instant == parse_dtm("PV1-44", text, LONDON)


def test_a_missing_offset_is_read_in_the_configured_zone() -> None:
    """The same wall-clock time is a different instant in another sending facility's zone."""
    assert datetime(2006, 7, 5, 13, tzinfo=UTC) == parse_dtm(
        "PV1-44", "200607050900", time_zone("America/New_York")
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "not an HL7 date-time"),
        ("20061", "not an HL7 date-time"),  # odd digits: neither a year nor a month
        ("2006070", "not an HL7 date-time"),
        ("200607050", "not an HL7 date-time"),
        ("20060705093015.", "not an HL7 date-time"),
        ("20060705093015.12345", "not an HL7 date-time"),  # five decimals
        ("20060705093015+01", "not an HL7 date-time"),
        ("2006-07-05T09:30:15", "not an HL7 date-time"),
        ("20060705 093015", "not an HL7 date-time"),
        ("20061301", "not a real date-time"),
        ("20060230", "not a real date-time"),
        ("2006070524", "not a real date-time"),
        ("200607050960", "not a real date-time"),
        ("20060705093060", "not a real date-time"),
        ("20060705093015+0160", "not a UTC offset"),
        ("20060705093015+1500", "not a UTC offset"),
        ("202603290130", "did not exist in Europe/London"),  # clocks went forward at 01:00
        ("202610250130", "happened twice in Europe/London"),  # clocks went back at 02:00
    ],
)
def test_anything_else_is_refused_with_the_field_and_reason(text: str, why: str) -> None:
    """No guessing: a malformed, impossible or ambiguous time is a FieldError naming PV1-44."""
    with pytest.raises(FieldError) as raised:
        parse_dtm("PV1-44", text, LONDON)
    assert ("PV1-44", True) == (raised.value.field_name, why in raised.value.reason)


def test_a_time_in_the_changeover_hour_is_read_when_it_has_an_offset() -> None:
    """01:30 on the night the clocks go back is exact once the sender says which 01:30."""
    assert datetime(2026, 10, 25, 1, 30, tzinfo=UTC) == parse_dtm(
        "PV1-44", "202610250130+0000", LONDON
    )


def test_a_date_of_birth_may_be_sent_as_a_date_time() -> None:
    """PID-7 is a TS: a time after the date is allowed and the date is kept."""
    assert (date(2015, 3, 4), date(2015, 3, 4)) == (
        parse_date("PID-7", "20150304"),
        parse_date("PID-7", "201503040830+0000"),
    )


@pytest.mark.parametrize("text", ["2015030", "20150230", "2015-03-04", "20150304x"])
def test_a_bad_date_of_birth_is_refused(text: str) -> None:
    """A date that is short, impossible or not HL7 is a FieldError naming PID-7."""
    with pytest.raises(FieldError) as raised:
        parse_date("PID-7", text)
    assert "PID-7" == raised.value.field_name


def test_an_unknown_time_zone_setting_is_refused() -> None:
    """A misspelt zone name is an error at start, never a silent UTC."""
    with pytest.raises(ValueError, match="unknown time zone"):
        time_zone("Europe/Londn")
