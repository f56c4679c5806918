"""Several lookup server processes on one port, so that lookups use every core.

One server process is bound to one core by Python's GIL: its TLS front, gRPC's
handlers and the lookups themselves take turns. ``LookupProcesses`` starts N
processes, each a complete server (TLS front, gRPC, lookup service, alert
inbox, and the web console behind its own TLS front when ``web_address`` is
given), all listening on the same ports with SO_REUSEPORT; the kernel spreads
new connections across them (one connection stays with one process). They
share the event store (read only), the lookup read model (``LookupViews``
re-reads its position under its write lock) and the audit log (each append
takes SQLite's write lock and chains to the head it reads inside it).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import socket
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from typing import Any

from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.lookup.server import SWITCH_INTERVAL_MS

READY_TIMEOUT_S = 300.0  # a first start may rebuild the lookup read model
STOP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class ServeOptions:
    """What each server process serves, and where."""

    settings: Settings
    address: str  # host:port (port 0: any free port, the same for every process)
    workers: int = 8
    with_inbox: bool = True
    switch_interval_ms: float = SWITCH_INTERVAL_MS
    web_address: str | None = None  # host:port of the web console (port 0: any); None: none


class LookupProcesses:
    """N lookup server processes on one port; ``start()`` returns when all of them serve."""

    def __init__(self, options: ServeOptions, processes: int) -> None:
        if processes < 1:
            raise ValueError("at least one server process")
        self._options = options
        self._count = processes
        self._children: list[tuple[Any, Connection]] = []
        self.web_port: int | None = None  # the console's port once started, if it serves one

    @property
    def pids(self) -> list[int]:
        return [process.pid for process, _ in self._children]

    def start(self) -> int:
        # The event store is created (tables, WAL mode, keys) here, once, before the
        # servers open it together: eventsourcing's switch to WAL mode does not wait
        # for a lock, and N processes creating one new store at once could fail.
        bootstrap(self._options.settings).application().close()
        reserved = [_reserve(self._options.address)]
        options = replace(self._options, address=_address(reserved[0]))
        if self._options.web_address is not None:
            reserved.append(_reserve(self._options.web_address))
            options = replace(options, web_address=_address(reserved[1]))
            self.web_port = reserved[1].getsockname()[1]
        port: int = reserved[0].getsockname()[1]
        context = multiprocessing.get_context("spawn")  # no fork: gRPC's threads do not survive it
        try:
            for index in range(self._count):
                ours, theirs = context.Pipe()
                process = context.Process(
                    target=serve_one, args=(options, theirs), name=f"hub-lookup-{index}"
                )
                process.start()
                theirs.close()
                self._children.append((process, ours))
            for process, connection in self._children:
                if not connection.poll(READY_TIMEOUT_S):
                    raise RuntimeError(f"lookup server process {process.pid} did not start")
                message = connection.recv()
                if message != "ready":
                    raise RuntimeError(f"lookup server process {process.pid}: {message}")
        except BaseException:
            self.stop()
            raise
        finally:
            for reserve in reserved:
                reserve.close()
        return port

    def stop(self) -> None:
        for _, connection in self._children:
            with contextlib.suppress(OSError):
                connection.send("stop")
        for process, connection in self._children:
            process.join(STOP_TIMEOUT_S)
            if process.is_alive():
                process.terminate()
                process.join()
            connection.close()
        self._children.clear()


def _reserve(address: str) -> socket.socket:
    """The port every server will share (port 0: a free one), held until they all listen.

    The reserving socket never listens, so the kernel gives it no connections.
    """
    host, _, port_text = address.rpartition(":")
    reserve = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    reserve.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    reserve.bind((host or "127.0.0.1", int(port_text)))
    return reserve


def _address(reserve: socket.socket) -> str:
    host, port = reserve.getsockname()[:2]
    return f"{host}:{port}"


def serve_one(options: ServeOptions, control: Connection) -> None:
    """One server process: serve until the parent says stop (or goes away)."""
    # Ctrl-C reaches the whole process group; the parent decides when its servers stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from hub.logging_setup import configure_logging

    settings = options.settings
    # A spawned process starts with structlog's defaults (console on stdout).
    configure_logging(settings.log_level, settings.log_format)
    from hub.lookup.server import freeze_startup_heap, use_switch_interval

    use_switch_interval(options.switch_interval_ms)
    system = bootstrap(settings)
    web = None
    try:
        parts = system.lookup()
        alerts = system.alerts() if options.with_inbox or options.web_address else None
        server, _ = system.lookup_server(
            parts,
            options.address,
            workers=options.workers,
            inbox=alerts if options.with_inbox else None,
            reuse_port=True,
        )
        if options.web_address is not None and alerts is not None:
            console = system.console_parts(parts, alerts)
            web, _ = system.web_server(console, options.web_address, reuse_port=True)
    except Exception as error:  # reported to the parent, which stops the others
        control.send(f"failed to start: {type(error).__name__}: {error}")
        return
    freeze_startup_heap()
    control.send("ready")
    with contextlib.suppress(EOFError, OSError):
        control.recv()  # "stop", or EOF when the parent has gone
    if web is not None:
        web.stop()
    server.stop()
    if alerts is not None:
        alerts.close()
    parts.close()
