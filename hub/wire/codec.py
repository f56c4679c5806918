"""Avro single-object encoding: ``C3 01`` + 8-byte CRC-64-AVRO fingerprint + Avro body.

Every message names its writer schema, so no registry server is needed: the
catalogue maps the fingerprint to the schema. Readers always receive records
in the newest version of that schema (Avro schema resolution fills in fields
added since with their defaults). All failures are typed ``WireError``s with a
reason fit for a dead-letter header.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError, validate

from hub.wire.catalogue import SchemaCatalogue, SchemaVersion, UnknownSchemaError

MAGIC = b"\xc3\x01"
HEADER_LENGTH = len(MAGIC) + 8


class WireError(ValueError):
    """A message could not be encoded or decoded; ``reason`` is a short machine code."""

    reason = "malformed"


class NotSingleObjectError(WireError):
    reason = "not-single-object-encoding"


class UnknownFingerprintError(WireError):
    reason = "unknown-schema-fingerprint"


class CorruptBodyError(WireError):
    reason = "corrupt-avro-body"


class RecordValidationError(WireError):
    reason = "invalid-record"


@dataclass(frozen=True)
class DecodedMessage:
    """A decoded message: which schema wrote it and the record in the newest version."""

    writer: SchemaVersion
    record: dict[str, Any]

    @property
    def schema_name(self) -> str:
        return self.writer.name


class SingleObjectCodec:
    """Encodes and decodes records of the catalogue's schemas."""

    def __init__(self, catalogue: SchemaCatalogue) -> None:
        self.catalogue = catalogue

    def encode(self, schema_name: str, record: dict[str, Any]) -> bytes:
        """Validate ``record`` against the newest version of ``schema_name`` and encode it."""
        return self.encode_with(self.catalogue.latest(schema_name), record)

    def encode_with(self, schema: SchemaVersion, record: dict[str, Any]) -> bytes:
        try:
            validate(record, schema.parsed, raise_errors=True)
        except ValidationError as error:
            raise RecordValidationError(f"{schema.label}: {error}") from None
        buffer = io.BytesIO()
        buffer.write(MAGIC)
        buffer.write(schema.fingerprint)
        schemaless_writer(buffer, schema.parsed, record)
        return buffer.getvalue()

    def decode(self, data: bytes) -> DecodedMessage:
        """Decode a single-object message into the newest version of its schema."""
        if len(data) < HEADER_LENGTH or data[:2] != MAGIC:
            raise NotSingleObjectError("message does not start with the C3 01 single-object marker")
        try:
            writer = self.catalogue.by_fingerprint(bytes(data[2:HEADER_LENGTH]))
        except UnknownSchemaError as error:
            raise UnknownFingerprintError(str(error)) from None
        reader = self.catalogue.latest(writer.name)
        body = io.BytesIO(data[HEADER_LENGTH:])
        try:
            if reader is writer:
                record = schemaless_reader(body, writer.parsed, None)
            else:
                record = schemaless_reader(body, writer.parsed, reader.parsed)
        except Exception as error:  # fastavro raises EOFError, ValueError, IndexError, ...
            raise CorruptBodyError(_unreadable(writer, error, body, len(data))) from None
        if body.tell() != len(data) - HEADER_LENGTH:
            raise CorruptBodyError(f"{writer.label}: trailing bytes after the record")
        if not isinstance(record, dict):
            raise CorruptBodyError(f"{writer.label}: body is not a record")
        return DecodedMessage(writer=writer, record=record)


def _unreadable(writer: SchemaVersion, error: Exception, body: io.BytesIO, length: int) -> str:
    """Why the body did not decode, in words fit for a dead-letter detail.

    fastavro's own message for running out of bytes is often
    ``IndexError: string index out of range`` or an empty ``EOFError``.
    """
    size = length - HEADER_LENGTH
    if isinstance(error, EOFError | IndexError) and body.tell() >= size:
        return (
            f"{writer.label}: truncated Avro body: the record needs more than "
            f"the {size} bytes after the header"
        )
    return f"{writer.label}: {type(error).__name__}: {error}"
