"""`hub identity doubts` and `settle` on a real SQLite store, through the policy and the audit log.

The store holds Ana (known from school), an A&E record "Ana" with no NHS number that
was linked to her on demographics alone, and then her twin Anna from the school: the
link is a doubt an operator lists, and settles or unlinks.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.application.hub_app import InboundMessage
from hub.bootstrap import build_application
from hub.cli.main import main
from hub.config import Settings
from tests.unit.test_born_together import ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA, ANNA_AT_SCHOOL


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A hub store where a twin arrived after a demographic link to the other twin."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    app = build_application(Settings(data_dir=tmp_path, kafka_bootstrap="unused"), worker=True)
    facts = (ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA, ANNA_AT_SCHOOL)
    app.ingest([InboundMessage("t", 0, n, b"", fact) for n, fact in enumerate(facts)], None)
    app.close()
    return tmp_path


def _doubts(capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert 0 == main(["identity", "doubts", "--json"])
    found: dict = json.loads(capsys.readouterr().out)  # type: ignore[type-arg]
    return found


def test_doubts_are_listed_and_each_child_named_is_an_audited_disclosure(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The doubted link is listed with the record it brought; naming Ana is audited."""
    listed = _doubts(capsys)
    [doubt] = listed["doubts"]
    assert {"local/EMERGENCY_CARE/RXX01/ae-1": ["event-anna-ae"]} == doubt["links"]
    assert 0 == main(["disclosures", "--kind", "disclosure", "--json"])
    records = json.loads(capsys.readouterr().out)
    assert [doubt["child_id"]] == [
        r["child_id"] for r in records if r["category"] == "identity-doubt"
    ]


def test_settle_clears_the_doubt_and_a_second_settle_changes_nothing(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """After `hub identity settle` no doubt is listed; the link and its entry are kept."""
    [doubt] = _doubts(capsys)["doubts"]
    assert 0 == main(["identity", "settle", doubt["child_id"], "--reason", "ED confirmed Ana"])
    capsys.readouterr()
    assert [] == _doubts(capsys)["doubts"]
    assert 0 == main(["chronology", doubt["child_id"], "--json"])
    assert "event-anna-ae" in capsys.readouterr().out


def test_unlink_answers_the_doubt(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Unlinking the doubted identifier withdraws the record it brought and ends the doubt."""
    [doubt] = _doubts(capsys)["doubts"]
    key = "local/EMERGENCY_CARE/RXX01/ae-1"
    assert 0 == main(["identity", "unlink", doubt["child_id"], key, "--reason", "was Anna"])
    assert "1 entries withdrawn" in capsys.readouterr().out
    assert [] == _doubts(capsys)["doubts"]
