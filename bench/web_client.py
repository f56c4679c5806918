"""The web benchmark's load generator: C desk pages in flight over HTTPS, client certificates.

A separate process (so it does not take the server's GIL) runs one thread per
request in flight, each on its own keep-alive HTTPS connection presenting the
benchmark desk's client certificate, as C browsers at C desks would. Each
thread fetches the desk's form once for its CSRF token, then posts NHS-number
searches (the lookup benchmark's mix) in a closed loop, timing each page from
request to its last byte.
"""

from __future__ import annotations

import http.client
import random
import re
import ssl
import threading
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode

from bench.lookup_client import DESK, Job, Mix
from bench.phases import PhaseResult

_TOKEN = re.compile(rb'name="csrf_token" value="([^"]+)"')
_OUTCOMES = (
    (b"More than one child could match", "ambiguous"),
    (b"No record held", "no-record-held"),
    (b"Lookup reference", "matched"),
)


def client_context(certs: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.load_cert_chain(certs / f"client-{DESK.user}.pem", certs / f"client-{DESK.user}.key")
    return context


def _outcome(page: bytes) -> str:
    return next((name for marker, name in _OUTCOMES if marker in page), "?")


class _Desk(threading.Thread):
    """One browser at one desk: a keep-alive connection, searching until ``end``."""

    def __init__(self, host: str, port: int, context: ssl.SSLContext, pick: Mix, seed: int):
        super().__init__(daemon=True)
        self._connection = http.client.HTTPSConnection(host, port, context=context, timeout=30)
        self._mix = pick
        self._rng = random.Random(seed)
        self.window_start = float("inf")
        self.end = float("inf")
        self.latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self._connection.request("GET", "/desk")
        form = self._connection.getresponse().read()
        found = _TOKEN.search(form)
        if found is None:
            raise RuntimeError("the desk page has no CSRF token")
        self._token = found.group(1).decode()

    def run(self) -> None:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        while time.perf_counter() < self.end:
            fields = {"csrf_token": self._token, "search": "nhs"}
            fields["nhs_number"] = self._mix.pick(self._rng)
            started = time.perf_counter()
            self._connection.request("POST", "/desk", urlencode(fields), headers)
            response = self._connection.getresponse()
            page = response.read()
            finished = time.perf_counter()
            if self.window_start <= finished <= self.end:
                self.latencies.append(finished - started)
                if response.status != 200:
                    self.errors[str(response.status)] += 1
                else:
                    self.outcomes[_outcome(page)] += 1
        self._connection.close()


def web_load_generator(conn: Connection, address: str, certs: Path, mix: Mix, seed: int) -> None:
    """The client process: runs each ``Job`` received on ``conn``, sends back a result."""
    host, _, port = address.rpartition(":")
    context = client_context(certs)
    try:
        while True:
            job: Job | None = conn.recv()
            if job is None:
                break
            desks = [
                _Desk(host, int(port), context, mix, seed + job.round * 100 + slot)
                for slot in range(job.concurrency)
            ]
            begun = time.perf_counter()
            for desk in desks:
                desk.end = begun + job.warmup + job.seconds
                desk.start()
            time.sleep(job.warmup)
            cpu = time.process_time()
            window_start = time.perf_counter()
            for desk in desks:
                desk.window_start = window_start
            conn.send("measuring")
            for desk in desks:
                desk.join(timeout=job.warmup + job.seconds + 60)
            window = min(time.perf_counter(), begun + job.warmup + job.seconds) - window_start
            result = PhaseResult("web", job.concurrency, window, [], round=job.round)
            for desk in desks:
                result.latencies.extend(desk.latencies)
                result.errors.update(desk.errors)
                result.outcomes.update(desk.outcomes)
            result.client_cpu = (time.process_time() - cpu) / max(window, 1e-9)
            conn.send(result)
    finally:
        conn.close()
