"""The lookup service's TLS front: mutual TLS, with every failed handshake audited.

gRPC's own TLS rejects a connection without a valid client certificate inside
its C core, where the application never hears of it, so such refusals could
not be audited. The front terminates TLS itself (client certificate requested
and, when presented, verified against the hub's CA), records any handshake
failure, and forwards each accepted connection to the gRPC server on a
loopback port. The gRPC server learns who is on each forwarded connection from
the ``PeerRegistry``, keyed by the forwarding socket's own port: a connection
that did not come through the front has no entry and is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HANDSHAKE_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ForwardedPeer:
    """The client on one forwarded connection: its address and verified certificate, if any."""

    address: str
    certificate_pem: bytes | None


class PeerRegistry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_port: dict[int, ForwardedPeer] = {}

    def register(self, port: int, peer: ForwardedPeer) -> None:
        with self._lock:
            self._by_port[port] = peer

    def remove(self, port: int) -> None:
        with self._lock:
            self._by_port.pop(port, None)

    def get(self, port: int) -> ForwardedPeer | None:
        with self._lock:
            return self._by_port.get(port)


def server_context(certificate: Path, key: Path, client_ca: Path) -> ssl.SSLContext:
    """TLS 1.2+ with HTTP/2; a client certificate is requested and must chain to ``client_ca``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    context.load_verify_locations(client_ca)
    # Optional at the TLS layer so that a missing certificate reaches the service, which
    # refuses it with a gRPC status and an audit record; a presented certificate that does
    # not verify still fails the handshake (and is audited here).
    context.verify_mode = ssl.CERT_OPTIONAL
    context.set_alpn_protocols(["h2"])
    return context


def _describe(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"client certificate rejected: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS handshake failed: {error.reason or error}"
    if isinstance(error, TimeoutError):
        return "TLS handshake timed out"
    return f"connection failed during TLS handshake: {type(error).__name__}"


class _Relay(asyncio.Protocol):
    """One side of a forwarded connection: what it receives is written to the other side.

    Flow control both ways: when one side's send buffer is full, the other stops reading.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.peer: _Relay | None = None
        self._early: list[bytes] = []
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        peer = self.peer
        if peer is None or peer.transport is None:
            self._early.append(data)  # arrived before the other side was connected
            return
        peer.transport.write(data)

    def join(self, peer: _Relay) -> None:
        self.peer = peer
        if peer.transport is not None:
            for data in self._early:
                peer.transport.write(data)
        self._early.clear()

    def pause_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        if self.peer is not None and self.peer.transport is not None:
            self.peer.transport.close()


class _Accepted(_Relay):
    """A client connection: reading stays paused until TLS takes over (nothing is lost)."""

    def __init__(self, front: TlsFront) -> None:
        super().__init__()
        self._front = front
        self._started = False
        self._task: asyncio.Task[None] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self._started:
            return  # called again by the TLS layer with the secured transport
        self._started = True
        assert self.transport is not None
        self.transport.pause_reading()
        self._task = asyncio.get_running_loop().create_task(self._front._serve(self))


class TlsFront:
    def __init__(
        self,
        context: ssl.SSLContext,
        inner_port: int,
        registry: PeerRegistry,
        on_refused: Callable[[str, str], None],
    ) -> None:
        self._context = context
        self._inner_port = inner_port
        self._registry = registry
        self._on_refused = on_refused
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None

    def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        """Listen on ``host:port`` (0 for any free port); returns the bound port.

        ``reuse_port``: share the port with other processes' fronts (SO_REUSEPORT).
        """
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            try:
                self._server = self._loop.run_until_complete(
                    self._loop.create_server(
                        lambda: _Accepted(self), host, port, reuse_port=reuse_port or None
                    )
                )
            except BaseException as error:  # reported to the caller of start()
                failure.append(error)
                started.set()
                return
            started.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="lookup-tls-front", daemon=True)
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]
        assert self._server is not None
        bound: int = self._server.sockets[0].getsockname()[1]
        return bound

    def stop(self) -> None:
        server = self._server
        if server is None or self._thread is None:
            return

        async def close() -> None:
            server.close()
            await server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    async def _serve(self, client: _Accepted) -> None:
        raw = client.transport
        assert raw is not None
        host, port = raw.get_extra_info("peername")[:2]
        address = f"{host}:{port}"
        loop = asyncio.get_running_loop()
        try:
            secured = await loop.start_tls(
                raw,
                client,
                self._context,
                server_side=True,
                ssl_handshake_timeout=HANDSHAKE_TIMEOUT_SECONDS,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as error:
            self._on_refused(address, _describe(error))
            raw.close()
            return
        if secured is None:
            raw.close()
            return
        client.transport = secured
        ssl_object = secured.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        pem = ssl.DER_cert_to_PEM_cert(der).encode() if der else None
        try:
            inner_transport, inner = await loop.create_connection(
                _Relay, "127.0.0.1", self._inner_port
            )
        except OSError:
            secured.close()
            return
        local_port: int = inner_transport.get_extra_info("sockname")[1]
        self._registry.register(local_port, ForwardedPeer(address, pem))
        inner.join(client)
        client.join(inner)
        try:
            await asyncio.wait([client.closed, inner.closed], return_when=asyncio.FIRST_COMPLETED)
            secured.close()
            inner_transport.close()
        finally:
            self._registry.remove(local_port)
