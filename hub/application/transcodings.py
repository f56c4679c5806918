"""JSON transcodings for aggregate state that snapshots store (entries and sets)."""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import Transcoding

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
