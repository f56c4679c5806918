"""Serving the console: uvicorn on a loopback port, behind the hub's mutual-TLS front.

The front (``hub.access.tls_front``, as for gRPC) verifies client certificates
against the hub's CA, audits every failed handshake, and forwards each accepted
connection to uvicorn; the console learns who is on a connection from the
front's ``PeerRegistry``, so a request that did not come through it is refused.
Browsers speak HTTP/1.1 to it (ALPN); uvicorn's access log is off, so request
lines never reach the logs.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import structlog
import uvicorn
from cryptography import x509
from starlette.types import ASGIApp

from hub.access.tls_front import PeerRegistry, TlsFront, server_context
from hub.lookup.server import ServerTls

log = structlog.get_logger(__name__)
STARTUP_SECONDS = 10.0


class WebServer:
    """The running console: uvicorn on its own thread and the TLS front; ``stop()`` ends both."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread, front: TlsFront) -> None:
        self._server = server
        self._thread = thread
        self._front = front

    def stop(self) -> None:
        self._front.stop()
        self._server.should_exit = True
        self._thread.join(timeout=10)


def create_web_server(
    address: str,
    build_app: Callable[[PeerRegistry], ASGIApp],
    tls: ServerTls,
    on_refused: Callable[[str, str, x509.Certificate | None], None],
    *,
    reuse_port: bool = False,
) -> tuple[WebServer, int]:
    """Serve ``build_app(registry)`` on ``address`` (port 0: any); returns the server and port.

    ``reuse_port``: other processes serve the same port (``hub serve --processes``); each
    runs its own front and uvicorn, and the kernel spreads connections across them.
    """
    host, _, port_text = address.rpartition(":")
    registry = PeerRegistry()
    # IPPROTO_TCP named explicitly: asyncio sets TCP_NODELAY only on sockets whose proto
    # says TCP, and accepted sockets inherit it. With proto 0, uvicorn's response headers
    # and body waited on Nagle for the front's delayed ACK: 40 ms on every page.
    inner = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    inner.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    inner.bind(("127.0.0.1", 0))
    inner_port: int = inner.getsockname()[1]
    config = uvicorn.Config(
        build_app(registry),
        access_log=False,
        server_header=False,
        log_config=None,
        lifespan="off",
        timeout_keep_alive=30,
        # libuv's event loop and the httptools (llhttp) parser: uvicorn's pure-Python
        # h11 parser and asyncio's loop were a tenth of a desk page's time.
        loop="uvloop",
        http="httptools",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [inner]}, name="web-console", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the web console did not start")
        time.sleep(0.02)
    front = TlsFront(
        server_context(tls.certificate, tls.key, tls.client_ca, alpn=("http/1.1",)),
        inner_port,
        registry,
        on_refused,
    )
    try:
        port = front.start(host or "127.0.0.1", int(port_text), reuse_port=reuse_port)
    except BaseException:
        server.should_exit = True
        thread.join(timeout=10)
        raise
    log.info("web_console_listening", port=port)
    return WebServer(server, thread, front), port
