"""How the hub's events are written as JSON: transcodings for entries and sets, and orjson."""

from __future__ import annotations

import math
from enum import Enum
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import JSONTranscoder, Transcoding

from hub.domain.chronology import ChronologyEntry


class ChronologyEntryAsDict(Transcoding):
    type = ChronologyEntry
    name = "chronology_entry"

    def encode(self, obj: ChronologyEntry) -> dict[str, Any]:
        return obj.to_dict()

    def decode(self, data: dict[str, Any]) -> ChronologyEntry:
        return ChronologyEntry.from_dict(data)


class SetAsSortedList(Transcoding):
    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj, key=str)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


_PLAIN_LEAVES = frozenset((str, int, bool, type(None)))


def _plain(value: Any) -> bool:
    """True if orjson writes ``value`` exactly as the standard library would.

    Exact types only: orjson writes UUIDs, enums and str/int subclasses its own way,
    and NaN as null. Anything else (datetimes, entries, sets) is left to the transcodings.
    Loops rather than all() over generators: this checks every stored event's state.
    """
    kind = type(value)
    if kind in _PLAIN_LEAVES:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _PLAIN_LEAVES and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # noqa: SIM110 (a loop: all() over a generator is slower here)
            if type(item) not in _PLAIN_LEAVES and not _plain(item):
                return False
        return True
    if kind is float:
        return math.isfinite(value)
    return False


class _NotPlainError(Exception):
    """A transcoded value orjson would write differently: use the standard library."""


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON format, written by orjson where the output is the same.

    Encoding stored events with the standard library took about a tenth of ingestion's
    time (docs/benchmarks.md). orjson writes the same JSON about three times as fast,
    but it writes some types its own way (UUIDs as bare strings, which would come back
    as strings). So a state is handed to orjson only when every value in it is of a
    type both write alike, or is passed to the registered transcodings (datetimes,
    entries, sets) whose output is checked the same way; anything else takes the
    standard library's path. Decoding is unchanged.
    """

    _OPTIONS = (
        orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
    )

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict and self._top_level_plain(obj):
            try:
                return orjson.dumps(obj, default=self._transcode_plain, option=self._OPTIONS)
            except (orjson.JSONEncodeError, _NotPlainError):
                pass
        return super().encode(obj)

    def _top_level_plain(self, state: dict[Any, Any]) -> bool:
        for key, value in state.items():
            if type(key) is not str:
                return False
            kind = type(value)
            if kind in _PLAIN_LEAVES or self._transcoded_by_default(kind) or _plain(value):
                continue
            return False
        return True

    def _transcoded_by_default(self, kind: type) -> bool:
        # orjson writes UUIDs and enums itself, without asking ``default``.
        return kind in self.types and kind is not UUID and not issubclass(kind, Enum)

    def _transcode_plain(self, value: Any) -> dict[str, Any]:
        encoded = self._encode_obj(value)
        if not _plain(encoded["_data_"]):
            raise _NotPlainError
        return encoded
