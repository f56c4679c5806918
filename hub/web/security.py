"""The console's protections: who is calling, CSRF tokens, and the headers on every response.

Who is calling comes from the client certificate the TLS front verified (the
same ``PeerRegistry`` and certificate reading as the gRPC services). A form's
CSRF token is an HMAC of the time it was issued and the certificate's user,
organisation and role, so a page posted from another site (whose browser would
present the same certificate) cannot carry one; a cross-site ``Origin`` or
``Sec-Fetch-Site`` is refused as well.

Every response gets a strict Content-Security-Policy (scripts only from the
console itself, plus the GOV.UK template's one inline line under a per-request
nonce), HSTS, ``nosniff``, no referrer to other sites, no framing, and ``Cache-Control:
no-store`` on everything but the GOV.UK Frontend assets.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.access.callers import CallRefused
from hub.access.certs import CertifiedIdentity, identity_of
from hub.access.tls_front import PeerRegistry

# Who is calling: the peer's address and certified identity (None without a certificate);
# raises CallRefused for a connection that did not come through the TLS front.
Identify = Callable[[Request], tuple[str, CertifiedIdentity | None]]

TOKEN_LIFETIME_SECONDS = 8 * 3600  # a working shift
ASSET_PREFIXES = ("/assets/", "/static/")


def registry_identify(registry: PeerRegistry) -> Identify:
    """Identify callers by the forwarding socket the TLS front registered for them."""

    def identify(request: Request) -> tuple[str, CertifiedIdentity | None]:
        client = request.client
        peer = registry.get(client.port) if client and client.host == "127.0.0.1" else None
        if peer is None:
            raise CallRefused("UNAUTHENTICATED", "connection did not arrive through mutual TLS")
        if peer.certificate_pem is None:
            return peer.address, None
        try:
            return peer.address, identity_of(peer.certificate_pem)
        except ValueError as error:
            raise CallRefused("UNAUTHENTICATED", f"unusable certificate: {error}") from None

    return identify


class CsrfTokens:
    """Tokens bound to one certificate's identity, valid for a working shift."""

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def _mac(self, issued: int, identity: CertifiedIdentity) -> str:
        message = f"{issued}|{identity.user}|{identity.organisation}|{identity.role}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def issue(self, identity: CertifiedIdentity) -> str:
        issued = int(self._clock())
        return f"{issued}.{self._mac(issued, identity)}"

    def valid(self, token: str, identity: CertifiedIdentity) -> bool:
        issued_text, _, mac = token.partition(".")
        if not issued_text.isdigit() or len(issued_text) > 12:
            return False
        issued = int(issued_text)
        if not 0 <= self._clock() - issued <= TOKEN_LIFETIME_SECONDS:
            return False
        return hmac.compare_digest(mac, self._mac(issued, identity))

    def bind(self, identity: CertifiedIdentity, value: str) -> str:
        """A MAC tying ``value`` (a child's id a page showed) to the certificate's holder."""
        message = f"bind|{value}|{identity.user}|{identity.organisation}|{identity.role}"
        return hmac.new(self._key, message.encode(), hashlib.sha256).hexdigest()

    def bound(self, identity: CertifiedIdentity, value: str, mac: str) -> bool:
        return hmac.compare_digest(mac, self.bind(identity, value))


def same_origin(request: Request) -> bool:
    """False when the browser says the request came from another site."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


def csp(nonce: str) -> str:
    return (
        "default-src 'none'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; "
        "manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )


class SecurityHeaders:
    """ASGI middleware: a CSP nonce for the request (``request.state.csp_nonce``) and headers."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})["csp_nonce"] = nonce
        asset = str(scope.get("path", "")).startswith(ASSET_PREFIXES)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", csp(nonce).encode()),
                    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"same-origin"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
                    (b"cache-control", b"private, max-age=3600" if asset else b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self._app(scope, receive, send_with_headers)
