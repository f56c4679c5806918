"""docs/native-formats.md says what the adapters check, in the code's own terms."""

from __future__ import annotations

import re
from pathlib import Path

from hub.domain import identifiers

DOC = (Path(__file__).parents[2] / "docs" / "native-formats.md").read_text(encoding="utf-8")


def _conventions() -> str:
    return " ".join(DOC.split("## ", 1)[0].split())


def test_doc_says_the_upn_check_letter_is_verified() -> None:
    """The common conventions say the adapters verify a UPN's check letter."""
    assert re.search(r"adapters verify the check letter", _conventions())


def test_doc_names_the_check_letters_the_code_uses() -> None:
    """The check-letter alphabet in the doc is the one ``upn_is_valid`` indexes."""
    assert f"`{identifiers._UPN_CHECK_LETTERS}`" in _conventions()


def test_doc_lists_exactly_the_labels_the_policy_defines() -> None:
    """The label table in the conventions names every label of the shipped policy, no other."""
    from hub.policy.loader import load_policy

    documented = set(re.findall(r"^\s*\| `([a-z-]+)` \|", _conventions_raw(), re.MULTILINE))
    assert set(load_policy().labels) == documented


def test_doc_gives_every_column_of_each_csv_format() -> None:
    """Each CSV format's header line in the doc is the one the adapters and generator share."""
    from hub import native_formats

    for columns in (
        native_formats.SCHOOL_REGISTER_COLUMNS,
        native_formats.SCHOOL_ROLL_COLUMNS,
        native_formats.CP_PLAN_COLUMNS,
    ):
        assert f"`{','.join(columns)}[,sensitivity_labels]`" in DOC


def _conventions_raw() -> str:
    return DOC.split("## ", 1)[0]
