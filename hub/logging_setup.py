"""structlog configuration: JSON lines when not on a terminal, readable console otherwise.

The standard library's logging is routed through the same processors: one
handler on the root logger formats every record (kafka-python's, grpc's,
aiosmtpd's) with ``structlog.stdlib.ProcessorFormatter``, so a third-party
warning comes out as the same JSON line (with its ``logger`` name) or console
line as the hub's own events, under the same ``HUB_LOG_LEVEL`` filter. The
third-party libraries in ``_LIBRARIES`` speak at WARNING and above only: their
INFO and DEBUG records are connection chatter and, for aiosmtpd, message
contents, which may be about a child.

Log events carry pseudonymous ids (child ids, event ids, offsets) only: never
names, addresses or free text about a child.
"""

from __future__ import annotations

import logging
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

# Third-party loggers held at WARNING or above whatever HUB_LOG_LEVEL says.
_LIBRARIES = ("kafka", "mail.log")
# Held at ERROR: pyHanko logs each signature it rejects with a traceback (``hub export
# verify`` reports the reason itself), and WeasyPrint's and fontTools' layout warnings may
# quote a document's text, which is about a child.
_DOCUMENT_LIBRARIES = ("pyhanko", "pyhanko_certvalidator", "weasyprint", "fontTools")


class _HubHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The root handler this module installs (found again and replaced on reconfiguration)."""


def configure_logging(level_name: str = "INFO", log_format: str = "console") -> None:
    """Configure structlog and the standard library's logging.

    ``level_name`` and ``log_format`` come from ``Settings`` (``HUB_LOG_LEVEL``,
    ``HUB_LOG_FORMAT``): ``json`` always writes JSON lines; ``console`` writes readable
    lines on a terminal and JSON lines otherwise.
    """
    level = logging.getLevelNamesMapping()[level_name.upper()]
    renderer: structlog.types.Processor
    if sys.stderr.isatty() and log_format != "json":
        renderer = structlog.dev.ConsoleRenderer()
    else:
        renderer = structlog.processors.JSONRenderer()
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]
    _PROCESSORS[:] = [*shared, renderer]
    structlog.configure(
        processors=_PROCESSORS,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=_CurrentStderr()),  # type: ignore[arg-type]
        cache_logger_on_first_use=True,
    )
    _route_standard_logging(level, shared, renderer)


def _route_standard_logging(
    level: int, shared: list[structlog.types.Processor], renderer: structlog.types.Processor
) -> None:
    """Format every standard-library record with structlog's processors, one handler on root."""
    handler = _HubHandler(_CurrentStderr())
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _HubHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in _LIBRARIES:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    for name in _DOCUMENT_LIBRARIES:
        logging.getLogger(name).setLevel(logging.ERROR)
