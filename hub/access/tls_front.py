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

import contextlib
import select
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HANDSHAKE_TIMEOUT_SECONDS = 10.0
LISTEN_BACKLOG = 256
RELAY_CHUNK = 256 * 1024


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


def server_context(
    certificate: Path, key: Path, client_ca: Path, alpn: tuple[str, ...] = ("h2",)
) -> ssl.SSLContext:
    """TLS 1.2+ speaking ``alpn`` (HTTP/2 for gRPC, ``http/1.1`` for the web console).

    A client certificate is requested and must chain to ``client_ca``.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(certificate, key)
    context.load_verify_locations(client_ca)
    # Optional at the TLS layer so that a missing certificate reaches the service, which
    # refuses it with a gRPC status and an audit record; a presented certificate that does
    # not verify still fails the handshake (and is audited here).
    context.verify_mode = ssl.CERT_OPTIONAL
    context.set_alpn_protocols(list(alpn))
    return context


def _describe(error: BaseException) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"client certificate rejected: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS handshake failed: {error.reason or error}"
    if isinstance(error, TimeoutError):
        return "TLS handshake timed out"
    return f"connection failed during TLS handshake: {type(error).__name__}"


class TlsFront:
    """Accepts connections, completes (and audits) TLS handshakes, relays to the gRPC server.

    One thread per connection relays both directions with blocking sockets, so TLS
    work and copying happen in OpenSSL and the kernel with the GIL released; only the
    loop around them is Python. (An asyncio front did the TLS record layer in Python,
    which cost about a third of a health check's CPU.) All of one connection's TLS
    calls happen on its own thread: OpenSSL connections are not for concurrent use.
    """

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
        self._listener: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._stopping = False

    def start(self, host: str, port: int, *, reuse_port: bool = False) -> int:
        """Listen on ``host:port`` (0 for any free port); returns the bound port.

        ``reuse_port``: share the port with other processes' fronts (SO_REUSEPORT).
        """
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        try:
            listener.bind((host, port))
            listener.listen(LISTEN_BACKLOG)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._thread = threading.Thread(target=self._accept, name="lookup-tls-front", daemon=True)
        self._thread.start()
        bound: int = listener.getsockname()[1]
        return bound

    def stop(self) -> None:
        listener, thread = self._listener, self._thread
        if listener is None or thread is None:
            return
        self._stopping = True
        with contextlib.suppress(OSError):
            listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread
        listener.close()
        thread.join(timeout=5)
        with self._open_lock:
            still_open = list(self._open)
        for connection in still_open:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping:
            try:
                raw, peer = self._listener.accept()
            except OSError:
                return  # closed by stop()
            threading.Thread(
                target=self._serve, args=(raw, f"{peer[0]}:{peer[1]}"), daemon=True
            ).start()

    def _serve(self, raw: socket.socket, address: str) -> None:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(HANDSHAKE_TIMEOUT_SECONDS)
        try:
            secured = self._context.wrap_socket(
                raw, server_side=True, do_handshake_on_connect=False
            )
            secured.do_handshake()
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError) as error:
            self._on_refused(address, _describe(error))
            raw.close()
            return
        secured.settimeout(None)
        der = secured.getpeercert(binary_form=True)
        pem = ssl.DER_cert_to_PEM_cert(der).encode() if der else None
        try:
            inner = socket.create_connection(("127.0.0.1", self._inner_port))
        except OSError:
            secured.close()
            return
        inner.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local_port: int = inner.getsockname()[1]
        self._registry.register(local_port, ForwardedPeer(address, pem))
        with self._open_lock:
            self._open.update((secured, inner))
        try:
            _relay(secured, inner)
        finally:
            self._registry.remove(local_port)
            with self._open_lock:
                self._open.difference_update((secured, inner))
            for side in (secured, inner):
                with contextlib.suppress(OSError):
                    side.close()


def _relay(secured: ssl.SSLSocket, inner: socket.socket) -> None:
    """Copy both ways until either side closes; every TLS call on this one thread."""
    sockets = [secured, inner]
    with contextlib.suppress(OSError, ssl.SSLError):
        while True:
            # Decrypted bytes already buffered in OpenSSL do not show in select().
            ready = [secured] if secured.pending() else select.select(sockets, [], [])[0]
            for source in ready:
                destination = inner if source is secured else secured
                data = source.recv(RELAY_CHUNK)
                if not data:
                    return
                destination.sendall(data)
