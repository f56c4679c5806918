"""The management-information reference file: the shipped one loads, a bad one is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import DEFAULT_MI_REFERENCE
from hub.mi.reference import MiReferenceError, load_reference


def test_the_shipped_reference_names_a_cadence_for_every_agency() -> None:
    """A&E and police daily, schools on school days, social care weekly."""
    cadences = load_reference(DEFAULT_MI_REFERENCE).cadences
    assert {
        "EMERGENCY_CARE": "daily",
        "POLICE": "daily",
        "SCHOOL": "school-days",
        "CHILDRENS_SOCIAL_CARE": "weekly",
    } == {agency: cadence.agency for agency, cadence in cadences.items()}


def test_an_unknown_cadence_is_refused_with_its_place(tmp_path: Path) -> None:
    """A cadence the hub does not know names the agency and the allowed values."""
    text = DEFAULT_MI_REFERENCE.read_text().replace('agency = "weekly"', 'agency = "monthly"')
    path = tmp_path / "mi.toml"
    path.write_text(text)
    with pytest.raises(MiReferenceError, match=r"cadences\.CHILDRENS_SOCIAL_CARE\.agency"):
        load_reference(path)


def test_an_unknown_key_is_refused(tmp_path: Path) -> None:
    """A misspelt key is an error, not ignored."""
    path = tmp_path / "mi.toml"
    path.write_text(DEFAULT_MI_REFERENCE.read_text() + "\nre_referal_days = 30\n")
    with pytest.raises(MiReferenceError, match="unknown key"):
        load_reference(path)
