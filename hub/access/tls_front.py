"""The lookup service's TLS front: mutual TLS, with every refused handshake audited in full.

gRPC's own TLS rejects a connection without a valid client certificate inside
its C core, where the application never hears of it, so such refusals could
not be audited. The front terminates TLS itself (pyOpenSSL: the standard
library's ssl cannot show the certificate it rejected), records any refusal
with the certificate presented (subject, issuer, serial, SHA-256 fingerprint)
and the reason, and forwards each accepted connection to the gRPC server on a
loopback port. The gRPC server learns who is on each forwarded connection from
the ``PeerRegistry``, keyed by the forwarding socket's own port: a connection
that did not come through the front has no entry and is refused.

OpenSSL verifies the presented chain against the hub's CA as before; the verify
callback notes each error and the leaf certificate instead of ending the handshake
there, and the front refuses the connection once the handshake is over, before a
byte of it is read or forwarded. A connection without a certificate is forwarded
and refused by the service, with a gRPC status (it has no certificate to record).
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from OpenSSL import SSL

HANDSHAKE_TIMEOUT_SECONDS = 10.0
LISTEN_BACKLOG = 256
RELAY_CHUNK = 256 * 1024
TLS_CHUNK = 16 * 1024  # one TLS record's plaintext at most
# OpenSSL's X509_V_ERR_* codes a client certificate most often fails with, in its words.
VERIFY_ERRORS = {
    2: "unable to get issuer certificate",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in certificate chain",
    20: "unable to get local issuer certificate",
    21: "unable to verify the first certificate",
    23: "certificate revoked",
    24: "invalid CA certificate",
    26: "unsupported certificate purpose",
}

# Called with the client's address, the reason and the presented certificate (or None).
OnRefused = Callable[[str, str, x509.Certificate | None], None]


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


@dataclass
class _Handshake:
    """What the verify callback saw of one client's chain: the leaf and any errors."""

    leaf: x509.Certificate | None = None
    errors: list[tuple[int, int]] = field(default_factory=list)  # (X509 error, depth)

    def reason(self) -> str:
        code, depth = self.errors[0]
        words = VERIFY_ERRORS.get(code, f"verification error {code}")
        where = "" if depth == 0 else f" (certificate {depth} of the chain)"
        return f"client certificate rejected: {words}{where}"


def _verify(connection: SSL.Connection, certificate: Any, error: int, depth: int, ok: int) -> bool:
    state: _Handshake = connection.get_app_data()
    if depth == 0:
        state.leaf = certificate.to_cryptography()
    if not ok:
        state.errors.append((error, depth))
    return True  # decided after the handshake, once the leaf is known (see the module doc)


def _alpn_chooser(ours: tuple[str, ...]) -> Any:
    wanted = [protocol.encode() for protocol in ours]

    def choose(connection: SSL.Connection, offered: list[bytes]) -> Any:
        return next((p for p in wanted if p in offered), SSL.NO_OVERLAPPING_PROTOCOLS)

    return choose


def server_context(
    certificate: Path, key: Path, client_ca: Path, alpn: tuple[str, ...] = ("h2",)
) -> SSL.Context:
    """TLS 1.2+ speaking ``alpn`` (HTTP/2 for gRPC, ``http/1.1`` for the web console).

    A client certificate is requested and must chain to ``client_ca``.
    """
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.use_certificate_chain_file(str(certificate))
    context.use_privatekey_file(str(key))
    context.check_privatekey()
    context.load_verify_locations(str(client_ca))
    # Requested, not required: a missing certificate reaches the service, which refuses
    # it with a gRPC status and an audit record.
    context.set_verify(SSL.VERIFY_PEER, _verify)
    context.set_session_id(b"hub-tls-front")
    context.set_alpn_select_callback(_alpn_chooser(alpn))
    return context


def _describe(error: BaseException) -> str:
    if isinstance(error, TimeoutError):
        return "TLS handshake timed out"
    if isinstance(error, SSL.Error):
        return f"TLS handshake failed: {error}"
    return f"connection failed during TLS handshake: {type(error).__name__}"


def _handshake(secured: SSL.Connection, raw: socket.socket, deadline: float) -> None:
    """Complete the handshake on a non-blocking socket by ``deadline`` (else TimeoutError)."""
    while True:
        try:
            secured.do_handshake()
            return
        except SSL.WantReadError:
            readable, writable = [raw], []
        except SSL.WantWriteError:
            readable, writable = [], [raw]
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not any(select.select(readable, writable, [], remaining)):
            raise TimeoutError


class TlsFront:
    """Accepts connections, completes (and audits) TLS handshakes, relays to the gRPC server.

    One thread per connection relays both directions with blocking sockets, so TLS
    work and copying happen in OpenSSL and the kernel with the GIL released; only the
    loop around them is Python. All of one connection's TLS calls happen on its own
    thread: OpenSSL connections are not for concurrent use.
    """

    def __init__(
        self,
        context: SSL.Context,
        inner_port: int,
        registry: PeerRegistry,
        on_refused: OnRefused,
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
        raw.setblocking(False)
        state = _Handshake()
        secured = SSL.Connection(self._context, raw)
        secured.set_app_data(state)
        secured.set_accept_state()
        try:
            _handshake(secured, raw, time.monotonic() + HANDSHAKE_TIMEOUT_SECONDS)
        except (OSError, SSL.Error, TimeoutError) as error:
            self._on_refused(address, _describe(error), state.leaf)
            raw.close()
            return
        if state.errors:
            self._on_refused(address, state.reason(), state.leaf)
            with contextlib.suppress(OSError, SSL.Error):
                secured.shutdown()
            raw.close()
            return
        raw.setblocking(True)
        pem = state.leaf.public_bytes(Encoding.PEM) if state.leaf is not None else None
        try:
            inner = socket.create_connection(("127.0.0.1", self._inner_port))
        except OSError:
            raw.close()
            return
        inner.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        local_port: int = inner.getsockname()[1]
        self._registry.register(local_port, ForwardedPeer(address, pem))
        with self._open_lock:
            self._open.update((raw, inner))
        try:
            _relay(secured, inner)
        finally:
            self._registry.remove(local_port)
            with self._open_lock:
                self._open.difference_update((raw, inner))
            for side in (raw, inner):
                with contextlib.suppress(OSError):
                    side.close()


def _relay(secured: SSL.Connection, inner: socket.socket) -> None:
    """Copy both ways until either side closes; every TLS call on this one thread.

    A read of ``TLS_CHUNK`` takes a whole TLS record (OpenSSL reads no further ahead by
    default), so decrypted bytes can wait in OpenSSL, unseen by ``select()``, only when
    a read filled the buffer: only then is ``pending()`` asked (each call into OpenSSL
    lets go of the GIL, which a busy server may take a while to give back).
    """
    sockets: list[Any] = [secured, inner]
    buffered = False
    with contextlib.suppress(OSError, SSL.Error):
        while True:
            ready = [secured] if buffered else select.select(sockets, [], [])[0]
            for source in ready:
                if source is secured:
                    try:
                        data = secured.recv(TLS_CHUNK)
                    except SSL.WantReadError:  # a TLS message with no data (a key update)
                        continue
                    if not data:
                        return
                    inner.sendall(data)
                    buffered = len(data) == TLS_CHUNK and secured.pending() > 0
                else:
                    data = inner.recv(RELAY_CHUNK)
                    if not data:
                        return
                    secured.sendall(data)
