"""``hub bench mllp``: A&E messages acknowledged per second over MLLP, against a file publish.

The same ``messages`` distinct synthetic A04s, one for each child of the population
builder's ``ALONE`` shape (NHS number, name, birth date, postcode, a local id at a test
site), go two ways, each into a fresh topic (``HUB_TOPIC_PREFIX``) with a fresh publish
ledger, so nothing is "already published":

1. *baseline*: what ``hub publish ae FILE`` runs, in this process: read the file, parse
   every message, publish them all with one flush (``acks=all``);
2. *MLLP*: ``hub listen ae`` in a process of its own, and for each connection count a
   client thread here sending the messages one at a time, each waiting for its ACK
   (as integration engines do), the messages shared out between the connections.

Figures: messages/s from the first message sent to the last ACK received (the listener's
start-up is not counted; the baseline's parse is), the ACK latency's median and 99th
percentile, and the ratio to the baseline. Printed, never asserted.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from adapters.mllp import FrameReader, frame
from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from bench.stats import percentile
from synthetic.population import ALONE, bench_population


@dataclass
class MllpPhase:
    connections: int
    messages: int
    seconds: float
    latencies: list[float]
    codes: dict[str, int]

    @property
    def rate(self) -> float:
        return self.messages / self.seconds

    def percentile(self, share: float) -> float:
        """A percentile of the ACK latencies, in milliseconds."""
        return percentile(self.latencies, share) * 1000


@dataclass
class MllpBenchResult:
    messages: int
    baseline_seconds: float
    phases: list[MllpPhase] = field(default_factory=list)

    def lines(self) -> list[str]:
        baseline = self.messages / self.baseline_seconds
        out = [
            f"{self.messages} distinct A04 messages, each way into a fresh topic",
            f"  baseline hub publish ae (file, one flush): {baseline:,.0f} messages/s "
            f"({self.baseline_seconds:.2f} s)",
        ]
        for phase in self.phases:
            codes = ", ".join(f"{code} {n}" for code, n in sorted(phase.codes.items()))
            out.append(
                f"  hub listen ae, {phase.connections} connection(s): {phase.rate:,.0f} "
                f"messages/s acknowledged ({phase.seconds:.2f} s; ACK p50 "
                f"{phase.percentile(0.5):.1f} ms, p99 {phase.percentile(0.99):.1f} ms; "
                f"{codes}; ratio to baseline {phase.rate / baseline:.3f})"
            )
        return out


def a04_messages(count: int, run: str, seed: int = 1) -> list[str]:
    """Distinct synthetic A04s, one a child (``ALONE``), CR-ended segments."""
    messages = []
    for person in bench_population(count, seed, ALONE).people():
        n = person.serial
        visit = f"B{run}{n:07d}"
        pv1 = "PV1|1|E|ED^^^RBE01^^^^^Bench ED" + "|" * 16 + visit + "|" * 25
        identifiers = f"{person.nhs_number}^^^NHS^NH~RBE01-{n:07d}^^^RBE01^MR"
        name = f"{person.family_name.upper()}^{person.given_name.upper()}"
        messages.append(
            "MSH|^~\\&|EDIS|RBE01|HUB|HUB|20261101081500+0000||ADT^A04^ADT_A01|"
            f"M{n:08d}|P|2.5.1\r"
            "EVN|A04|20261101081500+0000\r"
            f"PID|1||{identifiers}||{name}||{person.date_of_birth:%Y%m%d}|U|||"
            f"^^^^{person.postcode}^GBR^H\r"
            f"{pv1}20261101081000+0000\r"
        )
    return messages


def run_mllp_bench(bootstrap: str, messages: int, connections: tuple[int, ...]) -> MllpBenchResult:
    run = uuid.uuid4().hex[:6]
    texts = a04_messages(messages, run)
    with tempfile.TemporaryDirectory(prefix="hub-bench-mllp-") as work:
        work_dir = Path(work)
        baseline = _baseline(bootstrap, texts, work_dir, f"bench-mllp-{run}-file.")
        result = MllpBenchResult(messages, baseline)
        for count in connections:
            prefix = f"bench-mllp-{run}-{count}c."
            result.phases.append(_listen_phase(bootstrap, texts, count, work_dir, prefix))
    return result


def _baseline(bootstrap: str, texts: list[str], work_dir: Path, prefix: str) -> float:
    """``hub publish ae``'s work on the same messages: read, parse, publish, flush."""
    path = work_dir / "ae.hl7"
    path.write_text("".join(texts), encoding="utf-8")
    adapter = ADAPTERS["ae"]
    topic = prefix + adapter.topic
    with EventPublisher(bootstrap, work_dir / "file-ledger.sqlite") as publisher:
        started = time.perf_counter()
        report = publisher.publish(adapter.name, path, topic, adapter.read(path))
        seconds = time.perf_counter() - started
    if report.published != len(texts):
        raise RuntimeError(f"baseline published {report.published} of {len(texts)}")
    return seconds


def _listen_phase(
    bootstrap: str, texts: list[str], connections: int, work_dir: Path, prefix: str
) -> MllpPhase:
    data_dir = work_dir / prefix
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_TOPIC_PREFIX": prefix,
        "HUB_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hub", "listen", "ae", "--address", "127.0.0.1:0"]
    command += ["--bootstrap", bootstrap]
    server = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if "MLLP listener" not in line:
            raise RuntimeError(f"hub listen did not start: {line!r}")
        port = int(line.split(" on ", 1)[1].split()[0].rsplit(":", 1)[1])
        shares = [texts[n::connections] for n in range(connections)]
        latencies: list[list[float]] = [[] for _ in shares]
        codes: list[dict[str, int]] = [{} for _ in shares]
        threads = [
            threading.Thread(target=_send_all, args=(port, share, latencies[n], codes[n]))
            for n, share in enumerate(shares)
        ]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - started
    finally:
        server.terminate()
        out, _ = server.communicate(timeout=60)
    counts = json.loads(out.strip().splitlines()[-1]) if out.strip() else {}
    if counts.get("published") != len(texts):
        raise RuntimeError(f"listener published {counts.get('published')} of {len(texts)}")
    merged: dict[str, int] = {}
    for share_codes in codes:
        for code, n in share_codes.items():
            merged[code] = merged.get(code, 0) + n
    return MllpPhase(connections, len(texts), seconds, [x for xs in latencies for x in xs], merged)


def _send_all(port: int, texts: list[str], latencies: list[float], codes: dict[str, int]) -> None:
    """One connection: each message sent, then its ACK awaited (no pipelining)."""
    with socket.create_connection(("127.0.0.1", port)) as conn:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        reader = FrameReader()
        for text in texts:
            sent = time.perf_counter()
            conn.sendall(frame(text.encode()))
            acks: list[bytes] = []
            while not acks:
                chunk = conn.recv(65536)
                if not chunk:
                    raise ConnectionError("listener closed the connection")
                acks = reader.feed(chunk)
            latencies.append(time.perf_counter() - sent)
            code = acks[0].split(b"\rMSA|", 1)[1][:2].decode()
            codes[code] = codes.get(code, 0) + 1
