"""structlog configuration: JSON lines when not on a terminal, readable console otherwise.

Log events carry pseudonymous ids (child ids, event ids, offsets) only: never
names, addresses or free text about a child.
"""

from __future__ import annotations

import logging
import os
import sys

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time (test runners and daemons swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# One list for the life of the process, changed in place: loggers cached on first use keep
# a reference to it, so configuring again (each in-process CLI call does) still reaches them.
_PROCESSORS: list[structlog.types.Processor] = []


def configure_logging() -> None:
    level = getattr(logging, os.environ.get("HUB_LOG_LEVEL", "INFO").upper(), logging.INFO)
    renderer: structlog.types.Processor
    if sys.stderr.isatty() and os.environ.get("HUB_LOG_FORMAT") != "json":
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer()
    _PROCESSORS[:] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        renderer,
    ]
    structlog.configure(
        processors=_PROCESSORS,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
