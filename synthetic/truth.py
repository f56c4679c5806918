"""The ground truth: which children each native record is really about."""

from __future__ import annotations

import json
from pathlib import Path
from types import TracebackType
from typing import TextIO

AGENCIES = ("ae", "police", "school", "csc")


class DuplicateReferenceError(ValueError):
    """Two native records of one agency were given the same record reference."""


class GroundTruth:
    """Writes ``ground-truth.jsonl``: one line per native record, references unique per agency."""

    def __init__(self, path: Path) -> None:
        self._file: TextIO = path.open("w", encoding="utf-8", newline="\n")
        self._seen: dict[str, set[str]] = {agency: set() for agency in AGENCIES}

    def add(self, agency: str, record_reference: str, child_ids: list[str]) -> None:
        """Record that the native record ``record_reference`` is about ``child_ids``."""
        seen = self._seen[agency]
        if record_reference in seen:
            raise DuplicateReferenceError(f"{agency} record reference {record_reference} repeated")
        seen.add(record_reference)
        line = {"agency": agency, "record_reference": record_reference, "child_ids": child_ids}
        self._file.write(json.dumps(line) + "\n")

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> GroundTruth:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
