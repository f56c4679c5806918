"""Single-object codec: the wire bytes, and a typed error for every kind of bad message."""

from __future__ import annotations

import pytest
from fastavro.utils import generate_one

from hub.wire.catalogue import default_catalogue
from hub.wire.codec import (
    CorruptBodyError,
    NotSingleObjectError,
    RecordValidationError,
    SingleObjectCodec,
    UnknownFingerprintError,
)

CATALOGUE = default_catalogue()
CODEC = SingleObjectCodec(CATALOGUE)
SCHOOL = CATALOGUE.latest("SchoolAbsence")


def _message() -> bytes:
    return CODEC.encode_with(SCHOOL, generate_one(SCHOOL.parsed))


def test_message_starts_with_marker_and_fingerprint() -> None:
    """Encoded bytes are C3 01, then the writer schema's 8-byte fingerprint, then the body."""
    data = _message()
    assert data[:2] == b"\xc3\x01"
    assert SCHOOL.fingerprint == data[2:10]


def test_crc64_avro_fingerprint_matches_the_avro_specification_vector() -> None:
    """The fingerprint function gives the Avro spec's value for the schema "null"."""
    from hub.wire.catalogue import fingerprint_of

    assert (7195948357588979594).to_bytes(8, "little") == fingerprint_of("null")  # type: ignore[arg-type]


def test_bytes_without_marker_are_rejected() -> None:
    """A message that is not single-object encoded gets a typed error."""
    with pytest.raises(NotSingleObjectError):
        CODEC.decode(b'{"json": "instead"}')


def test_unknown_fingerprint_is_rejected() -> None:
    """A message from a schema the catalogue does not hold names the fingerprint."""
    data = _message()
    with pytest.raises(UnknownFingerprintError, match="0102030405060708"):
        CODEC.decode(data[:2] + bytes(range(1, 9)) + data[10:])


def test_truncated_body_is_rejected() -> None:
    """A message cut short fails to decode with a corrupt-body error."""
    data = _message()
    with pytest.raises(CorruptBodyError):
        CODEC.decode(data[: len(data) // 2])


def test_truncated_body_says_it_is_truncated() -> None:
    """Wherever a message is cut, the error says "truncated Avro body", not an IndexError."""
    data = _message()
    for end in range(10, len(data)):
        with pytest.raises(CorruptBodyError) as caught:
            CODEC.decode(data[:end])
        expected = f"{SCHOOL.label}: truncated Avro body: the record needs more than"
        assert str(caught.value).startswith(expected), (end, str(caught.value))


def test_trailing_bytes_are_rejected() -> None:
    """Extra bytes after the record mean the message is not what it claims."""
    with pytest.raises(CorruptBodyError, match="trailing"):
        CODEC.decode(_message() + b"\x00\x00")


def test_invalid_record_is_refused_before_encoding() -> None:
    """A record that does not match its schema is refused with the schema named."""
    record = generate_one(SCHOOL.parsed)
    record["session"] = "EVENING"
    with pytest.raises(RecordValidationError, match=r"SchoolAbsence\.v1"):
        CODEC.encode("SchoolAbsence", record)
