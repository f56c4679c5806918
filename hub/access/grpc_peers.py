"""Who is calling a gRPC service behind the mutual-TLS front, and how a refusal ends a call.

Shared by every service the hub serves over gRPC (the A&E lookup, the alert
inbox): the TLS front forwards each verified connection to gRPC's loopback
port and records, in a ``PeerRegistry``, which client certificate arrived on
which forwarding socket. ``peer_identity`` finds it again from gRPC's peer
address; ``abort`` ends a call with the refusal's status code and reason.
"""

from __future__ import annotations

from typing import NoReturn

import grpc

from hub.access.callers import CallRefused
from hub.access.certs import CertifiedIdentity, certificate_details, identity_of
from hub.access.tls_front import PeerRegistry


def _inner_port(peer: str) -> int | None:
    """``ipv4:127.0.0.1:53211`` -> 53211 (the front's forwarding socket)."""
    if not peer.startswith("ipv4:127.0.0.1:"):
        return None
    try:
        return int(peer.rsplit(":", 1)[1])
    except ValueError:
        return None


def peer_identity(
    context: grpc.ServicerContext, registry: PeerRegistry
) -> tuple[str, CertifiedIdentity | None, bytes | None]:
    """The caller's address, certified identity (None without a certificate) and certificate.

    Raises ``CallRefused`` for a connection that did not come through the TLS front or a
    certificate that does not name a user, organisation and role (with its details).
    """
    port = _inner_port(context.peer())
    peer = registry.get(port) if port is not None else None
    if peer is None:
        raise CallRefused("UNAUTHENTICATED", "connection did not arrive through mutual TLS")
    if peer.certificate_pem is None:
        return peer.address, None, None
    try:
        return peer.address, identity_of(peer.certificate_pem), peer.certificate_pem
    except ValueError as error:
        raise CallRefused(
            "UNAUTHENTICATED",
            f"unusable certificate: {error}",
            certificate_details(peer.certificate_pem),
        ) from None


def abort(context: grpc.ServicerContext, refusal: CallRefused) -> NoReturn:
    """End the call with the refusal's gRPC status code and reason."""
    context.abort(getattr(grpc.StatusCode, refusal.status), refusal.reason)
