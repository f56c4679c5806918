"""Logging configuration: reconfiguring reaches cached loggers; stdlib records go through it."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
import structlog

from hub.config import Settings
from hub.logging_setup import configure_logging


def test_a_logger_cached_before_a_second_configuration_is_still_captured() -> None:
    """Each in-process CLI call configures logging; earlier cached loggers must follow."""
    configure_logging()
    cached = structlog.get_logger("test_logging_setup")
    cached.info("first_use_caches_the_logger")
    configure_logging()
    with structlog.testing.capture_logs() as events:
        cached.info("after_the_second_configuration", child_id="c-1")
    assert [e["event"] for e in events] == ["after_the_second_configuration"]


@pytest.fixture
def json_logging() -> Iterator[Callable[..., None]]:
    """Configures JSON output for the test; the default configuration again afterwards."""

    def configure(level: str = "INFO") -> None:
        configure_logging(level, "json")

    yield configure
    configure_logging()


def _json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_a_standard_library_warning_comes_out_as_structlog_json(
    json_logging: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """A record from ``logging.getLogger(...)`` is rendered as the same JSON line as structlog's."""
    json_logging()
    logging.getLogger("x").warning("broker %s not answering", "b1")
    [line] = _json_lines(capsys.readouterr().err)
    assert "broker b1 not answering" == line["event"]
    assert "warning" == line["level"]
    assert "x" == line["logger"]
    assert isinstance(line["timestamp"], str)


def test_a_standard_library_record_below_the_level_is_dropped(
    json_logging: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """HUB_LOG_LEVEL filters standard-library records as it filters structlog's."""
    json_logging(Settings.from_env({"HUB_LOG_LEVEL": "WARNING"}).log_level)
    logging.getLogger("x").info("not wanted")
    logging.getLogger("x").error("wanted")
    assert ["wanted"] == [line["event"] for line in _json_lines(capsys.readouterr().err)]


def test_configuring_again_installs_one_handler(
    json_logging: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each in-process CLI call configures logging; a record is still written once."""
    json_logging()
    json_logging()
    logging.getLogger("x").warning("once")
    assert ["once"] == [line["event"] for line in _json_lines(capsys.readouterr().err)]


def test_kafka_client_chatter_below_warning_is_dropped(
    json_logging: Callable[..., None], capsys: pytest.CaptureFixture[str]
) -> None:
    """kafka-python's INFO connection chatter stays out even at HUB_LOG_LEVEL=INFO."""
    json_logging()
    logging.getLogger("kafka.conn").info("connecting")
    logging.getLogger("kafka.conn").warning("connection refused")
    events = [line["event"] for line in _json_lines(capsys.readouterr().err)]
    assert ["connection refused"] == events
