"""The lookup benchmark's load generator: a separate process keeping C calls in flight.

It keeps C requests in flight over one or more mutual-TLS connections (closed loop)
for a fixed time after a warm-up, timing each request: A&E lookups by NHS number (a
mix of children on a plan, other children and unknown numbers), or
``grpc.health.v1.Health/Check`` through the same connections and front.
"""

from __future__ import annotations

import functools
import itertools
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2

from bench.phases import PhaseResult
from hub.access.certs import CertifiedIdentity, create_authority, issue_client, issue_server
from hub.lookup.client import ClientTls
from hub.lookup.proto import lookup_pb2

LOOKUP_METHOD = "/safeguarding.hub.lookup.v1.ChildLookup/Lookup"
HEALTH_METHOD = "/grpc.health.v1.Health/Check"
DESK = CertifiedIdentity("bench-desk", "RXX01", "unscheduled-care-clinician")


def prepare_certificates(directory: Path) -> None:
    if not (directory / "ca.pem").exists():
        create_authority(directory, "Safeguarding Hub Benchmark CA")
        issue_server(directory)
    if not (directory / f"client-{DESK.user}.pem").exists():
        issue_client(directory, DESK)


def client_tls(directory: Path) -> ClientTls:
    return ClientTls(
        directory / "ca.pem",
        directory / f"client-{DESK.user}.pem",
        directory / f"client-{DESK.user}.key",
    )


@dataclass(frozen=True)
class Mix:
    """Which NHS numbers the lookups ask about, in what shares."""

    on_plan: list[str]
    others: list[str]
    unknown: list[str]
    plan_share: float
    unknown_share: float

    def pick(self, rng: random.Random) -> str:
        draw = rng.random()
        if draw < self.unknown_share:
            return rng.choice(self.unknown)
        if draw < self.unknown_share + self.plan_share and self.on_plan:
            return rng.choice(self.on_plan)
        return rng.choice(self.others)


@dataclass(frozen=True)
class Job:
    kind: str  # "lookup" or "health"
    concurrency: int
    seconds: float
    warmup: float
    round: int = 1


_OUTCOME_NAMES = {
    lookup_pb2.MATCHED: "matched",
    lookup_pb2.NO_RECORD_HELD: "no-record-held",
    lookup_pb2.AMBIGUOUS: "ambiguous",
}


class _ClosedLoop:
    """Keeps ``concurrency`` calls in flight until ``end``; records those finished in time."""

    def __init__(
        self,
        calls: list[grpc.UnaryUnaryMultiCallable[Any, Any]],
        make_request: Any,
        kind: str,
        concurrency: int,
    ) -> None:
        self._calls = calls
        self._make_request = make_request
        self._kind = kind
        self._concurrency = concurrency
        self._lock = threading.Lock()
        self._finished = threading.Event()
        self._running = concurrency
        self._turns = itertools.count()
        self.window_start = float("inf")
        self.end = float("inf")
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def run(self, warmup: float, seconds: float, conn: Connection) -> tuple[float, float]:
        begun = time.perf_counter()
        self.end = begun + warmup + seconds
        for slot in range(self._concurrency):
            self._issue(slot)
        time.sleep(warmup)
        cpu = time.process_time()
        self.window_start = time.perf_counter()
        conn.send("measuring")
        self._finished.wait(timeout=warmup + seconds + 60)
        window = min(time.perf_counter(), self.end) - self.window_start
        return window, (time.process_time() - cpu) / max(window, 1e-9)

    def _issue(self, slot: int) -> None:
        # Each request takes the next connection in turn, as requests from many desks
        # would (with several server processes, a connection belongs to one of them).
        call = self._calls[next(self._turns) % len(self._calls)]
        started = time.perf_counter()
        future = call.future(self._make_request(), timeout=30)
        future.add_done_callback(functools.partial(self._done, slot, started))

    def _done(self, slot: int, started: float, future: Any) -> None:
        finished = time.perf_counter()
        error = future.exception()
        counted = self.window_start <= finished <= self.end
        if counted:
            with self._lock:
                self.latencies.append(finished - started)
                if error is not None:
                    self.errors[str(future.code().name)] += 1
                elif self._kind == "lookup":
                    self.outcomes[_OUTCOME_NAMES.get(future.result().match.outcome, "?")] += 1
        if finished < self.end:
            self._issue(slot)
            return
        with self._lock:
            self._running -= 1
            if self._running == 0:
                self._finished.set()


def load_generator(
    conn: Connection,
    address: str,
    certs: Path,
    connections: int,
    mix: Mix,
    seed: int,
) -> None:
    """The client process: runs each ``Job`` received on ``conn``, sends back a result."""
    credentials = client_tls(certs).credentials()
    options = [
        ("grpc.ssl_target_name_override", "localhost"),
        ("grpc.use_local_subchannel_pool", 1),  # one connection per channel
    ]
    channels = [grpc.secure_channel(address, credentials, options) for _ in range(connections)]
    lookups = [
        channel.unary_unary(
            LOOKUP_METHOD,
            request_serializer=lookup_pb2.LookupRequest.SerializeToString,
            response_deserializer=lookup_pb2.LookupResponse.FromString,
        )
        for channel in channels
    ]
    checks = [
        channel.unary_unary(
            HEALTH_METHOD,
            request_serializer=health_pb2.HealthCheckRequest.SerializeToString,
            response_deserializer=health_pb2.HealthCheckResponse.FromString,
        )
        for channel in channels
    ]
    for channel in channels:
        grpc.channel_ready_future(channel).result(timeout=30)
    rng = random.Random(seed)
    lock = threading.Lock()

    def lookup_request() -> lookup_pb2.LookupRequest:
        with lock:
            number = mix.pick(rng)
        return lookup_pb2.LookupRequest(nhs_number=number, purpose="direct-care")

    health_request = health_pb2.HealthCheckRequest(service="")
    try:
        while True:
            job: Job | None = conn.recv()
            if job is None:
                break
            if job.kind == "lookup":
                loop = _ClosedLoop(lookups, lookup_request, job.kind, job.concurrency)
            else:
                loop = _ClosedLoop(checks, lambda: health_request, job.kind, job.concurrency)
            window, cpu = loop.run(job.warmup, job.seconds, conn)
            conn.send(
                PhaseResult(
                    job.kind,
                    job.concurrency,
                    window,
                    loop.latencies,
                    loop.errors,
                    loop.outcomes,
                    client_cpu=cpu,
                    round=job.round,
                )
            )
    finally:
        for channel in channels:
            channel.close()
        conn.close()
