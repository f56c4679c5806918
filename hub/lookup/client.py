"""A lookup client with a client certificate: used by ``hub lookup``, the benchmark and tests."""

from __future__ import annotations

import json
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


SERVER_ATTEMPTS = 3
# gRPC's own load balancing and retry (the service config of gRFC A6), not a loop here.
_SEVERAL_SERVERS = json.dumps(
    {
        "loadBalancingConfig": [{"round_robin": {}}],
        "methodConfig": [
            {
                "name": [
                    {"service": "safeguarding.hub.lookup.v1.ChildLookup"},
                    {"service": "grpc.health.v1.Health"},
                ],
                "retryPolicy": {
                    "maxAttempts": SERVER_ATTEMPTS,
                    "initialBackoff": "0.05s",
                    "maxBackoff": "0.5s",
                    "backoffMultiplier": 2,
                    "retryableStatusCodes": ["UNAVAILABLE"],
                },
            }
        ],
    }
)


class LookupClient:
    """A client of the lookup service: one server, or several behind the same certificate.

    ``address`` is ``host:port`` or several separated by commas (servers on several
    hosts). With several, calls are spread over them (round robin) and a call a lost
    server could not answer (UNAVAILABLE: refused, reset before a reply) is tried again,
    up to ``SERVER_ATTEMPTS`` times, on another.
    """

    def __init__(self, address: str, tls: ClientTls, server_name: str = "localhost") -> None:
        # The server certificate names localhost; connect by address, check the name.
        options: list[tuple[str, Any]] = [
            ("grpc.ssl_target_name_override", server_name),
            # A connection of its own (not shared with other channels to the same server),
            # so that several server processes on one port each get connections.
            ("grpc.use_local_subchannel_pool", 1),
        ]
        addresses = [part.strip() for part in address.split(",") if part.strip()]
        if len(addresses) > 1:
            options += [
                ("grpc.service_config", _SEVERAL_SERVERS),
                ("grpc.enable_retries", 1),
            ]
            target = "ipv4:" + ",".join(addresses)
        else:
            host, _, port = addresses[0].rpartition(":")
            target = f"{host}:{port}"
        self._channel = grpc.secure_channel(target, tls.credentials(), options)
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
