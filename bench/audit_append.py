"""Audit append cost, this tree against another commit, measured side by side.

``python -m bench.audit_append [--base REV] [--records 10000] [--group 5 --group 100]``

Appends ``records`` lookup-sized records to a fresh audit log in groups of ``group``
(each group one transaction, as the lookup server's group commit writes them), in a
child process per run, alternating this tree and ``REV`` (extracted with ``git archive``)
so both see the same machine load. Prints records/s and time per group, median of the
rounds. The base must have ``AuditLog(path, key).append_batch(items)``.
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
with tempfile.TemporaryDirectory() as directory:
    log = AuditLog(Path(directory) / "audit.sqlite", Ed25519PrivateKey.generate())
    items = [("disclosure", dict(payload, n=n)) for n in range(group)]
    started = time.perf_counter()
    for _ in range(records // group):
        log.append_batch(items)
    elapsed = time.perf_counter() - started
    log.close()
print(json.dumps({"seconds": elapsed}))
"""


def _run(source: Path, records: int, group: int) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _RUN, str(records), str(group)],
        cwd=source,
        env={"PYTHONPATH": str(source), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return float(json.loads(out.splitlines()[-1])["seconds"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="HEAD~1", help="commit to compare with")
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--group", type=int, action="append", help="records per append group")
    parser.add_argument("--rounds", type=int, default=3)
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
            timings: dict[str, list[float]] = {revision: [], "this tree": []}
            for _ in range(args.rounds):  # interleaved: both under the same load
                timings[revision].append(_run(base, args.records, group))
                timings["this tree"].append(_run(REPO_ROOT, args.records, group))
            for name, seconds in timings.items():
                median = statistics.median(seconds)
                print(
                    f"{args.records} records in groups of {group:<4} {name:<10}"
                    f" {args.records / median:>8,.0f} records/s"
                    f" {median / (args.records / group) * 1e6:>8,.0f} us a group"
                    f"  (rounds: {', '.join(f'{s:.2f}' for s in seconds)} s)"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
