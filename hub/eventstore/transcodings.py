"""How the hub's events are written as JSON: transcodings for entries and sets, and orjson."""

from __future__ import annotations

import math
from typing import Any

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


# Types the standard library writes itself even when a transcoding is registered for them.
_WRITTEN_NATIVELY = (str, int, float, list, tuple, dict)


class FastJSONTranscoder(JSONTranscoder):
    """eventsourcing's JSON format, written by orjson where it reads back the same.

    Encoding stored events with the standard library is a visible share of ingestion's
    time (docs/benchmarks.md). orjson writes JSON faster, but some types
    its own way (UUIDs as bare strings, which would come back as strings). So the
    registered transcodings (datetimes, entries, sets, UUIDs) are applied to a state's
    top-level values here, exactly as the standard library would apply them, and the
    result goes to orjson only if everything in it is then a plain JSON value (exact
    ``str``, ``int``, ``bool``, ``None``, finite ``float``, and lists and string-keyed
    dicts of those); anything else takes the standard library's path. orjson spells a
    few floats differently (``1e16`` for ``1e+16``), which read back as the same number.
    Decoding is unchanged.
    """

    def __init__(self) -> None:
        super().__init__()
        self._by_type: dict[type, Transcoding | None] = {}

    def register(self, transcoding: Transcoding) -> None:
        super().register(transcoding)
        self._by_type = {}

    def encode(self, obj: Any) -> bytes:
        if type(obj) is dict:
            prepared = self._prepared(obj)
            if prepared is not None:
                try:
                    return orjson.dumps(prepared)
                except orjson.JSONEncodeError:
                    pass  # an integer beyond 64 bits
        return super().encode(obj)

    def _prepared(self, state: dict[Any, Any]) -> dict[str, Any] | None:
        """``state`` with its top-level values transcoded; None if anything is not plain."""
        prepared: dict[str, Any] = {}
        for key, value in state.items():
            if type(key) is not str:
                return None
            kind = type(value)
            if kind in _PLAIN_LEAVES:
                prepared[key] = value
                continue
            transcoding = self._transcoding_for(kind)
            if transcoding is not None:
                data = transcoding.encode(value)
                if type(data) not in _PLAIN_LEAVES and not _plain(data):
                    return None
                prepared[key] = {"_type_": transcoding.name, "_data_": data}
            elif _plain(value):
                prepared[key] = value
            else:
                return None
        return prepared

    def _transcoding_for(self, kind: type) -> Transcoding | None:
        """The transcoding the standard library would apply to a value of this exact type."""
        try:
            return self._by_type[kind]
        except KeyError:
            pass
        transcoding = self.types.get(kind)
        if transcoding is not None and issubclass(kind, _WRITTEN_NATIVELY):
            transcoding = None
        self._by_type[kind] = transcoding
        return transcoding
