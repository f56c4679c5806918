"""Logging configuration: configuring again keeps reaching loggers cached before."""

from __future__ import annotations

import structlog

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
