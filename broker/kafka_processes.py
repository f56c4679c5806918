"""Broker processes on this machine: launching them detached, pid files, liveness, signals."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def launch_detached(command: Sequence[str], output: Path, cwd: Path) -> subprocess.Popen[bytes]:
    """Start ``command`` in its own session, appending stdout and stderr to ``output``."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("ab") as sink:
        return subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            start_new_session=True,
        )


def read_pid(pid_file: Path) -> int | None:
    """The pid in ``pid_file``, or None if there is no readable one."""
    try:
        return int(pid_file.read_text().strip())
    except (OSError, ValueError):
        return None


def is_alive(pid: int, marker: str) -> bool:
    """Whether ``pid`` is a running process whose command line contains ``marker``.

    The marker guards against a stale pid file naming a pid since reused by
    another program. A zombie whose threads have all ended counts as gone (a
    JVM's main thread turns zombie while its other threads are still shutting
    down, so that alone does not). Without ``/proc``, existence of the pid is enough.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    proc = Path("/proc") / str(pid)
    if not proc.parent.is_dir():
        return True
    try:
        cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        status = (proc / "status").read_text()
    except (OSError, IndexError):
        return False  # it exited while we looked
    if state in ("Z", "X"):
        threads = status.split("Threads:", 1)[1].split(None, 1)[0] if "Threads:" in status else "1"
        return threads.isdigit() and int(threads) > 1
    return marker in cmdline


def signal_process(pid: int, signum: signal.Signals) -> None:
    """Send ``signum`` to ``pid``, ignoring a process that has already gone."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def reap(pid: int) -> bool:
    """Collect ``pid`` if it is an exited child of ours; False while our child still runs."""
    try:
        collected, _status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # not our child: its own parent (or init) collects it
    return collected == pid


def wait_for_exit(pids: dict[int, str], timeout: float) -> set[int]:
    """Wait until every pid (mapped to its marker) has exited; return those still alive."""
    deadline = time.monotonic() + timeout
    alive = set(pids)
    while alive:
        for pid in list(alive):
            if not is_alive(pid, pids[pid]) and reap(pid):
                alive.discard(pid)
        if not alive or time.monotonic() >= deadline:
            break
        time.sleep(0.05)
    return alive


def port_in_use(host: str, port: int) -> bool:
    """Whether something already listens on ``host:port`` (binding as a server would)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def free_port_block(host: str, size: int, attempts: int = 100) -> int:
    """The first port of ``size`` consecutive free ports on ``host`` (for tests and demos)."""
    for _ in range(attempts):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
            first = int(probe.getsockname()[1])
        block = range(first, first + size)
        if block.stop <= 65536 and not any(port_in_use(host, port) for port in block):
            return first
    raise RuntimeError(f"no block of {size} free ports found on {host}")
