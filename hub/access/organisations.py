"""The organisation directory: which organisations the hub knows, and what kind each is.

A caller's certificate names an organisation by code; the lookup service
accepts only codes in this directory, and the policy decides by the
organisation's type (unscheduled-care, gp-practice, local-authority, ...).
The directory is a CSV file (``code,type,name`` and optionally ``email`` and
``escalation_email``: the organisation's secure mailbox for alerts and where
unacknowledged alerts escalate to), loaded with ``hub reference organisations
FILE`` into the data directory.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from hub.domain.errors import HubError

ORGANISATION_TYPES = frozenset(
    {"unscheduled-care", "gp-practice", "local-authority", "school", "police", "hub"}
)
COLUMNS = ("code", "type", "name")
OPTIONAL_COLUMNS = ("email", "escalation_email")


class OrganisationFileError(HubError):
    """The organisation file cannot be used; the message gives line, field and reason."""


@dataclass(frozen=True)
class Organisation:
    code: str
    type: str
    name: str
    email: str = ""
    escalation_email: str = ""


class OrganisationDirectory:
    def __init__(self, organisations: list[Organisation]) -> None:
        self._by_code = {organisation.code: organisation for organisation in organisations}

    def __len__(self) -> int:
        return len(self._by_code)

    def get(self, code: str) -> Organisation | None:
        return self._by_code.get(code)

    def of_type(self, kind: str) -> list[Organisation]:
        return [o for o in self._by_code.values() if o.type == kind]

    @classmethod
    def parse(cls, text: str, source: str = "organisations") -> OrganisationDirectory:
        """Parse ``code,type,name`` rows; any bad row fails the whole file with its line."""
        reader = csv.DictReader(io.StringIO(text))
        header = tuple(reader.fieldnames or ())
        if header[:3] != COLUMNS or not set(header[3:]) <= set(OPTIONAL_COLUMNS):
            raise OrganisationFileError(
                f"{source}: the header must be {','.join(COLUMNS)}"
                f" and optionally {','.join(OPTIONAL_COLUMNS)}"
            )
        organisations: list[Organisation] = []
        seen: set[str] = set()
        for row in reader:
            line = reader.line_num
            for column in COLUMNS:
                if not (row.get(column) or "").strip():
                    raise OrganisationFileError(f"{source}:{line}: {column}: required")
            code, kind = row["code"].strip(), row["type"].strip()
            if kind not in ORGANISATION_TYPES:
                raise OrganisationFileError(
                    f"{source}:{line}: type: {kind!r} is not one of {sorted(ORGANISATION_TYPES)}"
                )
            if code in seen:
                raise OrganisationFileError(f"{source}:{line}: code: {code} appears twice")
            seen.add(code)
            organisations.append(
                Organisation(
                    code,
                    kind,
                    row["name"].strip(),
                    (row.get("email") or "").strip(),
                    (row.get("escalation_email") or "").strip(),
                )
            )
        return cls(organisations)


def directory_path(data_dir: Path) -> Path:
    """Where the loaded directory lives under a data directory (unless configured elsewhere)."""
    return data_dir / "reference" / "organisations.csv"


def load_directory(path: Path) -> OrganisationDirectory:
    """The organisation directory in the file at ``path``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise OrganisationFileError(
            f"no organisation directory at {path}: load one with `hub reference organisations`"
        ) from None
    return OrganisationDirectory.parse(text, str(path))
