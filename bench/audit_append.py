"""Audit append cost, this tree against another commit, measured side by side.

``python -m bench.audit_append [--base REV] [--records 10000] [--group 5 --group 100]
[--threads 4 --busy 2]``

Appends ``records`` lookup-sized records to a fresh audit log in groups of ``group``
(each group one transaction, as the lookup server's group commit writes them), in a
child process per run, alternating this tree and ``REV`` (extracted with ``git archive``)
so both see the same machine load. Prints records/s and time per group, median of the
rounds. The base must have ``AuditLog(path, key).append_batch(items)``.

``--threads T``: as in the lookup server under load, T threads append one group each at
a time (so the log's group commit forms groups) while ``--busy`` threads compute in
Python beside them (the lookups' own work) with the server's 0.5 ms switch interval;
each append's latency is timed and the p50 and p99 printed, median of the rounds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from hub.config import REPO_ROOT

_RUN = """
import json, sys, tempfile, time
from pathlib import Path
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hub.audit.chain import AuditLog
records, group = int(sys.argv[1]), int(sys.argv[2])
payload = {"lookup_id": "5f0c1f7e-3c1e-4a53-9a47-0d0f2b8d7e11", "child_id": "c" * 36,
           "decision": "full", "category": "cp-plan-status", "purpose": "direct-care",
           "recipient": {"id": "ae-desk-1", "role": "unscheduled-care-clinician",
                         "organisation": "RZB01"}, "reason": "a" * 80}
threads, busy = int(sys.argv[3]), int(sys.argv[4])
latencies = []
with tempfile.TemporaryDirectory() as directory:
    log = AuditLog(Path(directory) / "audit.sqlite", Ed25519PrivateKey.generate())
    items = [("disclosure", dict(payload, n=n)) for n in range(group)]
    if threads:
        import hashlib, threading
        sys.setswitchinterval(0.0005)
        done = threading.Event()
        def spin():
            while not done.is_set():
                for n in range(200):
                    hashlib.sha256(json.dumps(payload).encode()).digest()
        def append(count):
            for _ in range(count):
                began = time.perf_counter()
                log.append_batch(items)
                latencies.append(time.perf_counter() - began)
        spinners = [threading.Thread(target=spin) for _ in range(busy)]
        appenders = [threading.Thread(target=append, args=(records // group // threads,))
                     for _ in range(threads)]
        for thread in spinners:
            thread.start()
        started = time.perf_counter()
        for thread in appenders:
            thread.start()
        for thread in appenders:
            thread.join()
        elapsed = time.perf_counter() - started
        done.set()
        for thread in spinners:
            thread.join()
    else:
        started = time.perf_counter()
        for _ in range(records // group):
            log.append_batch(items)
        elapsed = time.perf_counter() - started
    log.close()
latencies.sort()
def quantile(q):
    return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0
print(json.dumps({"seconds": elapsed, "p50": quantile(0.5), "p99": quantile(0.99)}))
"""


def _run(source: Path, records: int, group: int, threads: int, busy: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", _RUN, str(records), str(group), str(threads), str(busy)],
        cwd=source,
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, float] = json.loads(out.splitlines()[-1])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="commit to compare with")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--group", type=int, action="append", help="records per append group")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="appending threads (0: one)")
    parser.add_argument("--busy", type=int, default=0, help="computing threads beside them")
    args = parser.parse_args(argv)
    groups = args.group or [5, 100]
    with tempfile.TemporaryDirectory() as directory:
        base = Path(directory)
        archive = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "archive", args.base, "hub"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        revision = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", args.base],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        for group in groups:
            runs: dict[str, list[dict[str, float]]] = {revision: [], "this tree": []}
            for _ in range(args.rounds):  # interleaved: both under the same load
                for name, source in ((revision, base), ("this tree", REPO_ROOT)):
                    runs[name].append(_run(source, args.records, group, args.threads, args.busy))
            for name, figures in runs.items():
                seconds = [f["seconds"] for f in figures]
                median = statistics.median(seconds)
                latency = ""
                if args.threads:
                    p50 = statistics.median(f["p50"] for f in figures) * 1e3
                    p99 = statistics.median(f["p99"] for f in figures) * 1e3
                    latency = f"  append p50 {p50:.2f} ms, p99 {p99:.2f} ms"
                print(
                    f"{args.records} records in groups of {group:<4} {name:<10}"
                    f" {args.records / median:>8,.0f} records/s"
                    f" {median / (args.records / group) * 1e6:>8,.0f} us a group{latency}"
                    f"  (rounds: {', '.join(f'{s:.2f}' for s in seconds)} s)"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
