"""The schema catalogue: every kept version of every event schema, by name and fingerprint.

Schema files live in ``schemas/`` as ``<Name>.v<N>.avsc``; shared named types
(the envelope, the subject) are ``<namespace>.<Name>.avsc`` files beside them,
resolved by fastavro when a versioned file refers to them. A message names its
writer schema by the CRC-64-AVRO fingerprint of that schema's parsing
canonical form, so the catalogue maps fingerprint -> schema for every version
ever published, and name -> newest version for readers and writers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint, load_schema, to_parsing_canonical_form

from hub.config import DEFAULT_SCHEMAS_DIR as DEFAULT_SCHEMAS_DIR

VERSIONED_FILE = re.compile(r"^(?P<name>[A-Z][A-Za-z0-9]*)\.v(?P<version>[1-9][0-9]*)\.avsc$")


class UnknownSchemaError(LookupError):
    """No schema with that name or fingerprint is in the catalogue."""


@dataclass(frozen=True)
class SchemaVersion:
    """One published version of one event schema."""

    name: str
    version: int
    path: Path
    parsed: dict[str, Any] = field(repr=False, compare=False, hash=False)
    fingerprint: bytes

    @property
    def label(self) -> str:
        return f"{self.name}.v{self.version}"

    def field_names(self) -> list[str]:
        return [f["name"] for f in self.parsed["fields"]]


class SchemaCatalogue:
    """All kept schema versions, indexed by fingerprint and by name."""

    def __init__(self, versions: list[SchemaVersion]) -> None:
        self._by_fingerprint = {v.fingerprint: v for v in versions}
        if len(self._by_fingerprint) != len(versions):
            raise ValueError("two schema files have the same canonical form")
        self._by_name: dict[str, list[SchemaVersion]] = {}
        for version in sorted(versions, key=lambda v: (v.name, v.version)):
            self._by_name.setdefault(version.name, []).append(version)

    @classmethod
    def load(cls, directory: Path | None = None) -> SchemaCatalogue:
        directory = directory or DEFAULT_SCHEMAS_DIR
        versions = []
        for path in sorted(directory.glob("*.avsc")):
            match = VERSIONED_FILE.match(path.name)
            if match is None:
                continue  # a shared named type, resolved by the files that use it
            parsed = load_schema(str(path))
            if not isinstance(parsed, dict):
                raise UnknownSchemaError(f"{path.name} is not a record schema")
            versions.append(
                SchemaVersion(
                    name=match["name"],
                    version=int(match["version"]),
                    path=path,
                    parsed=parsed,
                    fingerprint=fingerprint_of(parsed),
                )
            )
        if not versions:
            raise UnknownSchemaError(f"no <Name>.v<N>.avsc schema files in {directory}")
        return cls(versions)

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def versions(self, name: str) -> list[SchemaVersion]:
        try:
            return list(self._by_name[name])
        except KeyError:
            raise UnknownSchemaError(f"no schema named {name!r}") from None

    def latest(self, name: str) -> SchemaVersion:
        return self.versions(name)[-1]

    def by_fingerprint(self, value: bytes) -> SchemaVersion:
        try:
            return self._by_fingerprint[value]
        except KeyError:
            raise UnknownSchemaError(f"unknown schema fingerprint {value.hex()}") from None

    def all_versions(self) -> list[SchemaVersion]:
        return [v for name in self.names() for v in self._by_name[name]]


def fingerprint_of(parsed_schema: dict[str, Any]) -> bytes:
    """CRC-64-AVRO fingerprint of the schema's parsing canonical form, little-endian bytes."""
    hex_digest: str = fingerprint(to_parsing_canonical_form(parsed_schema), "CRC-64-AVRO")
    return bytes.fromhex(hex_digest)


@cache
def default_catalogue(directory: Path = DEFAULT_SCHEMAS_DIR) -> SchemaCatalogue:
    """The catalogue of ``directory`` (default: the repository's ``schemas/``), loaded once."""
    return SchemaCatalogue.load(directory)
