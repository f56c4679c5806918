"""orjson writes stored events only where its JSON reads back exactly as the standard library's."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from unittest import mock
from uuid import NAMESPACE_URL, uuid5

import orjson
import pytest
from eventsourcing.persistence import JSONTranscoder, Transcoding

from hub.application.hub_app import HubApplication
from hub.domain.chronology import ChronologyEntry
from hub.eventstore import transcodings

CHILD = uuid5(NAMESPACE_URL, "child")


class Colour(Enum):
    RED = "red"


class Code(str):
    pass


class Tag(str):
    """A str subclass with a registered transcoding, which the standard library ignores."""


ENTRY = ChronologyEntry(
    event_id="e1",
    agency="SCHOOL",
    kind="school-absence",
    occurred_at="2026-10-24T09:00:00+00:00",
    recorded_at="2026-10-24T09:00:00+00:00",
    summary="Absent (PM session): code N, unauthorised — ½ day",
    source_organisation="100001",
    source_reference="100001/Z999/PM",
    labels=("education",),
    details={"session": "PM", "consecutive_absences": 3, "flag": True, "none": None},
)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

FAST = [
    {"entry": ENTRY.to_dict(), "timestamp": NOW},
    {"entry": ENTRY, "timestamp": NOW},
    {"ratio": 0.1, "nested": {"list": [1, "a", None, [True]], "empty": {}}, "n": -(2**40)},
    {"amount": Decimal("1.50"), "labels": ("a", "b"), "unicode": "Siân Ó'Brien"},
    {"child_id": CHILD, "timestamp": NOW},  # transcoded here, as the standard library would
    {"colour": Colour.RED},  # likewise, with the registered transcoding
]
STANDARD_LIBRARY = [
    {"entry": {"linked": [CHILD]}, "timestamp": NOW},
    {"siblings": {CHILD}, "timestamp": NOW},
    {"code": Code("x")},
    {"tag": Tag("x")},
    {"ratio": float("nan")},
    {"big": 2**70},
    {"by_number": {1: "one"}},
    {"when": {"nested": NOW}},
]


def _transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    fast = HubApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper.transcoder
    assert isinstance(fast, transcodings.FastJSONTranscoder)
    standard = JSONTranscoder()
    for transcoding in fast.types.values():
        standard.register(transcoding)
    for extra in (_ColourAsName(), _TagAsText()):
        standard.register(extra)
        fast.register(extra)
    return fast, standard


class _ColourAsName(Transcoding):
    type = Colour
    name = "colour"

    def encode(self, obj: Colour) -> str:
        return obj.name

    def decode(self, data: str) -> Colour:
        return Colour[data]


class _TagAsText(Transcoding):
    type = Tag
    name = "tag"

    def encode(self, obj: Tag) -> str:
        return f"tag:{obj}"

    def decode(self, data: str) -> Tag:
        return Tag(data.removeprefix("tag:"))


def _written_by_orjson(fast: JSONTranscoder, state: dict[str, Any]) -> tuple[bytes, bool]:
    written: list[bytes] = []
    dumps = orjson.dumps

    def spy(*args: Any, **kwargs: Any) -> bytes:
        written.append(dumps(*args, **kwargs))
        return written[-1]

    with mock.patch.object(orjson, "dumps", spy):
        encoded = fast.encode(state)
    return encoded, written == [encoded]


@pytest.mark.parametrize("state", FAST, ids=range(len(FAST)))
def test_plain_states_are_written_by_orjson_and_read_back_the_same(state: dict[str, Any]) -> None:
    """Entries, datetimes, UUIDs, enums and plain values go through orjson, losslessly.

    Without floats (which orjson may spell differently) the bytes are the same too.
    """
    fast, standard = _transcoders()
    encoded, by_orjson = _written_by_orjson(fast, state)
    assert by_orjson
    assert fast.decode(encoded) == standard.decode(standard.encode(state))
    if "ratio" not in state:
        assert encoded == standard.encode(state)


@pytest.mark.parametrize("state", STANDARD_LIBRARY, ids=range(len(STANDARD_LIBRARY)))
def test_values_orjson_writes_its_own_way_take_the_standard_library(
    state: dict[str, Any],
) -> None:
    """Nested UUIDs (also inside a transcoded set), str subclasses, NaN, big ints, int keys."""
    fast, standard = _transcoders()
    encoded, by_orjson = _written_by_orjson(fast, state)
    assert not by_orjson
    assert encoded == standard.encode(state)
