"""Schema contract tests: docs, round trips, evolution, immutability of published versions."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from fastavro import schemaless_reader
from fastavro.utils import generate_many

from hub.wire.catalogue import DEFAULT_SCHEMAS_DIR, SchemaVersion, default_catalogue
from hub.wire.codec import HEADER_LENGTH, SingleObjectCodec

CATALOGUE = default_catalogue()
CODEC = SingleObjectCodec(CATALOGUE)
ALL_VERSIONS = CATALOGUE.all_versions()
EXPECTED_EVENT_SCHEMAS = [
    "AccessToServiceNotification",
    "Alert",
    "ChildProtectionPlanStatus",
    "DomesticAbuseNotification",
    "EmergencyAttendance",
    "PupilOnRoll",
    "SchoolAbsence",
]


def _records(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Yield every (nested) record definition of a parsed schema."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "record":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    return found


def _ids(versions: list[SchemaVersion]) -> list[str]:
    return [v.label for v in versions]


def test_catalogue_holds_the_agency_and_hub_event_schemas() -> None:
    """The catalogue has one schema per agency event type, and the hub's own notification."""
    assert CATALOGUE.names() == EXPECTED_EVENT_SCHEMAS


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=_ids(ALL_VERSIONS))
def test_every_field_has_a_doc(version: SchemaVersion) -> None:
    """Every field of every record in every schema version carries documentation."""
    raw = json.loads(version.path.read_text())
    undocumented = [
        f"{record['name']}.{f['name']}"
        for record in _records(raw)
        for f in record["fields"]
        if not f.get("doc")
    ]
    assert undocumented == []


def test_shared_types_document_every_field() -> None:
    """The shared envelope and subject types document every field too."""
    for path in DEFAULT_SCHEMAS_DIR.glob("uk.*.avsc"):
        raw = json.loads(path.read_text())
        assert [f["name"] for f in raw["fields"] if not f.get("doc")] == [], path.name


LATEST_VERSIONS = [CATALOGUE.latest(name) for name in CATALOGUE.names()]


def _decode_as(data: bytes, writer: SchemaVersion, reader: SchemaVersion) -> dict[str, Any]:
    """Decode a single-object message with an explicit reader schema."""
    record = schemaless_reader(io.BytesIO(data[HEADER_LENGTH:]), writer.parsed, reader.parsed)
    assert isinstance(record, dict)
    return record


@pytest.mark.parametrize("version", LATEST_VERSIONS, ids=_ids(LATEST_VERSIONS))
def test_round_trip_is_lossless(version: SchemaVersion) -> None:
    """Decoding then re-encoding a message reproduces its bytes exactly."""
    for generated in generate_many(version.parsed, 25):
        # Normalise once (e.g. a UUID string without hyphens becomes a UUID).
        record = CODEC.decode(CODEC.encode_with(version, generated)).record
        data = CODEC.encode_with(version, record)
        decoded = CODEC.decode(data)
        assert version == decoded.writer
        assert record == decoded.record
        assert data == CODEC.encode_with(version, decoded.record)


@pytest.mark.parametrize("version", ALL_VERSIONS, ids=_ids(ALL_VERSIONS))
def test_newest_version_reads_data_written_with_every_older_version(
    version: SchemaVersion,
) -> None:
    """Backward compatibility: the newest schema reads what any kept version wrote."""
    newest = CATALOGUE.latest(version.name)
    added = set(newest.field_names()) - set(version.field_names())
    for record in generate_many(version.parsed, 25):
        data = CODEC.encode_with(version, record)
        as_written = _decode_as(data, version, version)
        decoded = CODEC.decode(data)
        assert newest.field_names() == list(decoded.record)
        assert as_written == {name: decoded.record[name] for name in version.field_names()}
        for name in added:
            default = next(f["default"] for f in newest.parsed["fields"] if f["name"] == name)
            assert default == decoded.record[name]


def test_at_least_one_schema_has_evolved() -> None:
    """The compatibility test has real work: some schema keeps more than one version."""
    assert any(len(CATALOGUE.versions(name)) > 1 for name in CATALOGUE.names())


def test_published_schema_versions_are_immutable() -> None:
    """Each kept version's fingerprint matches the lock file: published schemas never change."""
    lock = json.loads((DEFAULT_SCHEMAS_DIR / "fingerprints.lock.json").read_text())
    assert lock == {v.label: v.fingerprint.hex() for v in ALL_VERSIONS}


def test_identifying_fields_are_tagged_sensitive() -> None:
    """Names, dates of birth, addresses and the child's voice carry a sensitivity tag."""
    subject = json.loads((DEFAULT_SCHEMAS_DIR / "uk.safeguarding.hub.Subject.avsc").read_text())
    untagged = [f["name"] for f in subject["fields"] if "sensitivity" not in f]
    assert untagged == []
    notification = json.loads(
        (Path(DEFAULT_SCHEMAS_DIR) / "DomesticAbuseNotification.v1.avsc").read_text()
    )
    child = next(r for r in _records(notification) if r["name"] == "ChildInHousehold")
    assert next(f for f in child["fields"] if f["name"] == "voice")["sensitivity"] == "free-text"
