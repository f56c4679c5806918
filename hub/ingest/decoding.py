"""From Kafka message bytes to an ``AgencyFact``: single-object decode, then translate."""

from __future__ import annotations

from hub.application.facts import AgencyFact
from hub.ingest.translate import translate
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec


class FactCodec:
    """Decodes agency messages; raises ``WireError`` or ``TranslationError`` with a reason."""

    def __init__(self) -> None:
        self._codec = SingleObjectCodec(default_catalogue())

    def decode_fact(self, value: bytes) -> AgencyFact:
        decoded = self._codec.decode(value)
        return translate(decoded.schema_name, decoded.record)
