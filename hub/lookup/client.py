"""A lookup client with a client certificate: used by ``hub lookup``, the benchmark and tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from hub.lookup.proto import lookup_pb2, lookup_pb2_grpc


@dataclass(frozen=True)
class ClientTls:
    """The CA that signed the server, and this client's certificate and key (None: no cert)."""

    ca: Path
    certificate: Path | None = None
    key: Path | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        if self.certificate is None or self.key is None:
            return grpc.ssl_channel_credentials(self.ca.read_bytes())
        return grpc.ssl_channel_credentials(
            self.ca.read_bytes(), self.key.read_bytes(), self.certificate.read_bytes()
        )


class LookupClient:
    def __init__(self, address: str, tls: ClientTls, server_name: str = "localhost") -> None:
        host, _, port = address.rpartition(":")
        # The server certificate names localhost; connect by address, check the name.
        options = [
            ("grpc.ssl_target_name_override", server_name),
            # A connection of its own (not shared with other channels to the same server),
            # so that several server processes on one port each get connections.
            ("grpc.use_local_subchannel_pool", 1),
        ]
        self._channel = grpc.secure_channel(f"{host}:{port}", tls.credentials(), options)
        self._lookup = lookup_pb2_grpc.ChildLookupStub(self._channel)
        # The stubs for grpc_health do not declare the stub's methods.
        self._health: Any = health_pb2_grpc.HealthStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def by_nhs_number(
        self, nhs_number: str, purpose: str = "", timeout: float = 10.0
    ) -> lookup_pb2.LookupResponse:
        request = lookup_pb2.LookupRequest(nhs_number=nhs_number, purpose=purpose)
        response: lookup_pb2.LookupResponse = self._lookup.Lookup(request, timeout=timeout)
        return response

    def by_demographics(
        self,
        given_name: str,
        family_name: str,
        date_of_birth: str,
        postcode: str,
        purpose: str = "",
        timeout: float = 10.0,
    ) -> lookup_pb2.LookupResponse:
        request = lookup_pb2.LookupRequest(
            demographics=lookup_pb2.Demographics(
                given_name=given_name,
                family_name=family_name,
                date_of_birth=date_of_birth,
                postcode=postcode,
            ),
            purpose=purpose,
        )
        response: lookup_pb2.LookupResponse = self._lookup.Lookup(request, timeout=timeout)
        return response

    def health(self, service: str = "", timeout: float = 10.0) -> int:
        """The serving status (1 = SERVING) of ``service`` ("" for the whole server)."""
        reply = self._health.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        status: int = reply.status
        return status
