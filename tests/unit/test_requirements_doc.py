"""docs/requirements.md defines every requirement id the alert rules may cite, and no other."""

from __future__ import annotations

import re
from pathlib import Path

from hub.alerts.rules_loader import KNOWN_REQUIREMENTS

REQUIREMENTS_DOC = Path(__file__).resolve().parents[2] / "docs" / "requirements.md"


def test_every_known_requirement_id_is_defined_once_in_the_docs() -> None:
    """Each id the rule loader accepts has exactly one row in docs/requirements.md."""
    rows = re.findall(r"^\| ([A-Z][0-9]) \|", REQUIREMENTS_DOC.read_text(), flags=re.MULTILINE)
    assert sorted(KNOWN_REQUIREMENTS) == sorted(rows)
