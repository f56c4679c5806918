"""The gRPC lookup server: mutual TLS front, the ChildLookup service, health and reflection.

``create_server(address, service, tls)`` returns the running server and its
port (bind port 0 in tests). Health checking (grpc.health.v1) and server
reflection (v1 and v1alpha) answer without a client certificate, since they
disclose nothing; ``Lookup`` needs one, and every refusal is audited, with the
certificate presented (a handshake the TLS front refused included).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
import structlog
from cryptography import x509
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from hub.access.callers import CallRefused
from hub.access.certs import details_of
from hub.access.grpc_peers import abort, peer_identity
from hub.access.tls_front import PeerRegistry, TlsFront, server_context
from hub.lookup.answer import LookupAnswer, PlanView
from hub.lookup.proto import lookup_pb2, lookup_pb2_grpc
from hub.lookup.query import LookupQuery
from hub.lookup.reflection import enable_server_reflection
from hub.lookup.service import ChildLookupService

log = structlog.get_logger(__name__)
TLS_CALL = "tls-handshake"  # a refusal before any call: the front cannot tell which
SERVICE_NAME = lookup_pb2.DESCRIPTOR.services_by_name["ChildLookup"].full_name
_OUTCOMES = {
    "matched": lookup_pb2.MATCHED,
    "no-record-held": lookup_pb2.NO_RECORD_HELD,
    "ambiguous": lookup_pb2.AMBIGUOUS,
}


@dataclass(frozen=True)
class ServerTls:
    """The server's certificate and key, and the CA its clients' certificates must chain to."""

    certificate: Path
    key: Path
    client_ca: Path

    @classmethod
    def in_directory(cls, directory: Path) -> ServerTls:
        return cls(directory / "server.pem", directory / "server.key", directory / "ca.pem")


def _plan(view: PlanView) -> lookup_pb2.Plan:
    return lookup_pb2.Plan(
        category=view.category,
        start_date=view.start_date,
        end_date=view.end_date,
        unborn=view.unborn,
    )


def to_message(answer: LookupAnswer) -> lookup_pb2.LookupResponse:
    match = answer.match
    response = lookup_pb2.LookupResponse(
        lookup_id=answer.lookup_id,
        match=lookup_pb2.Match(
            outcome=_OUTCOMES[match.outcome],
            method=match.method,
            confidence=match.confidence,
            score=match.score,
            candidates=match.candidates,
            explanation=match.explanation,
        ),
        status_disclosed=answer.status_disclosed,
        on_plan=answer.on_plan,
        looked_after=answer.looked_after,
        withheld=answer.withheld,
        notice=answer.notice,
        access_notified=answer.access_notified,
        policy_version=answer.policy_version,
    )
    if answer.current_plan is not None:
        response.current_plan.CopyFrom(_plan(answer.current_plan))
    response.plans_ended_last_12_months.extend(_plan(p) for p in answer.plans_ended_last_12_months)
    if answer.contact is not None:
        c = answer.contact
        response.contact.CopyFrom(
            lookup_pb2.Contact(
                responsible_authority=c.responsible_authority,
                office_hours_phone=c.office_hours_phone,
                out_of_hours_phone=c.out_of_hours_phone,
                social_worker=c.social_worker,
                social_worker_email=c.social_worker_email,
            )
        )
    response.attendances.extend(
        lookup_pb2.Attendance(
            date=a.date,
            site_code=a.site_code,
            site_name=a.site_name,
            site_type=a.site_type,
            attendance_category=a.attendance_category,
        )
        for a in answer.attendances
    )
    response.cues.extend(
        lookup_pb2.RiskCue(code=c.code, description=c.description, disclosure=c.disclosure)
        for c in answer.cues
    )
    return response


def _query(request: lookup_pb2.LookupRequest) -> LookupQuery:
    which = request.WhichOneof("subject")
    if which == "nhs_number":
        return LookupQuery(nhs_number=request.nhs_number, purpose=request.purpose)
    d = request.demographics
    return LookupQuery(
        given_name=d.given_name,
        family_name=d.family_name,
        date_of_birth=d.date_of_birth,
        postcode=d.postcode,
        purpose=request.purpose,
    )


class ChildLookupServicer(lookup_pb2_grpc.ChildLookupServicer):
    def __init__(self, service: ChildLookupService, registry: PeerRegistry) -> None:
        self._service = service
        self._registry = registry

    def Lookup(  # noqa: N802 - the name is the RPC's
        self, request: lookup_pb2.LookupRequest, context: grpc.ServicerContext
    ) -> lookup_pb2.LookupResponse:
        purpose = request.purpose or "direct-care"
        try:
            address, identity, pem = peer_identity(context, self._registry)
        except CallRefused as refusal:
            self._service.refuse(context.peer(), None, purpose, refusal)
            abort(context, refusal)
        try:
            answer = self._service.lookup(identity, _query(request), address, pem)
        except CallRefused as refusal:
            abort(context, refusal)
        return to_message(answer)


class LookupServer:
    """The running gRPC server and its TLS front; ``stop()`` closes both."""

    def __init__(
        self, server: grpc.Server, front: TlsFront, health_servicer: health.HealthServicer
    ):
        self._server = server
        self._front = front
        self.health = health_servicer

    def stop(self, grace: float | None = 2.0) -> None:
        self.health.enter_graceful_shutdown()
        self._front.stop()
        self._server.stop(grace).wait()

    def wait_for_termination(self) -> None:
        self._server.wait_for_termination()


# The lookup server's GIL switch interval. Its relay threads wait on sockets while
# lookups compute; with Python's default 5 ms, a relay thread woken by a reply could
# wait that long for the GIL, and at two or more lookups in flight the p99 swung between
# about 6 and 12 ms from run to run. At 0.5 ms it stayed under 9 ms (docs/benchmarks.md).
SWITCH_INTERVAL_MS = 0.5


def use_switch_interval(milliseconds: float = SWITCH_INTERVAL_MS) -> None:
    """Set this process's GIL switch interval for serving (see ``SWITCH_INTERVAL_MS``)."""
    sys.setswitchinterval(milliseconds / 1000)


def freeze_startup_heap() -> None:
    """Collect once, then keep what start-up built out of later garbage collections.

    A server process holds a few hundred thousand objects from start-up (gRPC,
    protobuf, the policy, the caches). A full collection traversing them paused
    lookups for about 220 ms in the benchmark, once every few thousand lookups;
    frozen (``gc.freeze``), they are skipped, and the longest pause seen was 1.3 ms
    (docs/benchmarks.md). Objects made later are collected as usual.
    """
    gc.collect()
    gc.freeze()


# Registers one more service on the server, given the peer registry; returns its full name.
ExtraService = Callable[[grpc.Server, PeerRegistry], str]


def create_server(
    address: str,
    service: ChildLookupService,
    tls: ServerTls,
    *,
    workers: int = 8,
    extra_services: Sequence[ExtraService] = (),
    reuse_port: bool = False,
) -> tuple[LookupServer, int]:
    """Start the lookup service on ``address`` (``host:port``, port 0 for any); returns the port.

    ``reuse_port``: other processes serve the same port (``hub.entry.lookup_processes``).
    """
    host, _, port_text = address.rpartition(":")
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers))
    registry = PeerRegistry()
    lookup_pb2_grpc.add_ChildLookupServicer_to_server(
        ChildLookupServicer(service, registry), server
    )
    names = [SERVICE_NAME] + [add(server, registry) for add in extra_services]
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    enable_server_reflection((*names, health.SERVICE_NAME), server)
    inner_port = server.add_insecure_port("127.0.0.1:0")
    server.start()

    def refused(peer: str, reason: str, certificate: x509.Certificate | None) -> None:
        status = "UNAUTHENTICATED" if certificate is not None else "UNAVAILABLE"
        details = details_of(certificate) if certificate is not None else None
        refusal = CallRefused(status, reason)
        service.refuse(peer, None, "", refusal, call=TLS_CALL, stage="tls", certificate=details)

    front = TlsFront(
        server_context(tls.certificate, tls.key, tls.client_ca), inner_port, registry, refused
    )
    try:
        port = front.start(host or "127.0.0.1", int(port_text), reuse_port=reuse_port)
    except BaseException:
        server.stop(0)
        raise
    for name in ("", *names):
        health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    log.info("lookup_service_listening", port=port)
    return LookupServer(server, front, health_servicer), port
