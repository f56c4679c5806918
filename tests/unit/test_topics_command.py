"""``hub topics``: which topics it counts (the broker is replaced by a fake counter)."""

from __future__ import annotations

import pytest

from hub import topics
from hub.cli import topics_command
from hub.cli.main import main


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Replace the broker query with one that records the names asked for."""
    asked: list[tuple[str, ...]] = []

    def fake_counts(bootstrap: str, names: tuple[str, ...]) -> dict[str, int]:
        asked.append(names)
        return dict.fromkeys(names, 0)

    monkeypatch.setattr(topics_command, "topic_counts", fake_counts)
    return asked


def test_topics_counts_the_alert_topics_and_the_access_notices(
    counted: list[tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub topics` lists hub.alerts, its dead letters and hub.access-to-service."""
    assert 0 == main(["topics", "--bootstrap", "unused:9092"])
    out = capsys.readouterr().out
    for name in (topics.ALERTS, topics.ALERTS_DEAD_LETTER, topics.ACCESS_TO_SERVICE):
        assert name in counted[0]
        assert f"{name} " in out


def test_topics_still_counts_the_agency_feeds_and_dead_letters(
    counted: list[tuple[str, ...]], capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub topics` keeps counting every agency topic and the ingest dead-letter topic."""
    main(["topics", "--bootstrap", "unused:9092"])
    assert {*topics.AGENCY_TOPICS, topics.DEAD_LETTER} <= set(counted[0])


def test_topics_counts_the_prefixed_names_under_a_topic_prefix(
    counted: list[tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HUB_TOPIC_PREFIX set, `hub topics` counts the prefixed topics, and only those."""
    monkeypatch.setenv("HUB_TOPIC_PREFIX", "run-7.")
    assert 0 == main(["topics", "--bootstrap", "unused:9092"])
    assert f"run-7.{topics.ALERTS}" in counted[0]
    assert all(name.startswith("run-7.") for name in counted[0])
