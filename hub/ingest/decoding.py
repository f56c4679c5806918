"""From Kafka message bytes to an ``AgencyFact``: single-object decode, then translate."""

from __future__ import annotations

from pathlib import Path

from hub.application.facts import AgencyFact
from hub.ingest.translate import translate
from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, default_catalogue
from hub.wire.codec import SingleObjectCodec


class FactCodec:
    """Decodes agency messages; raises ``WireError`` or ``TranslationError`` with a reason."""

    def __init__(self, schemas_dir: Path = DEFAULT_SCHEMAS_DIR) -> None:
        self.schemas_dir = schemas_dir
        self._codec = SingleObjectCodec(default_catalogue(schemas_dir))

    def decode_fact(self, value: bytes) -> AgencyFact:
        decoded = self._codec.decode(value)
        return translate(decoded.schema_name, decoded.record)
