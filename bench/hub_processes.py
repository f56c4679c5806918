"""The hub's own processes for a benchmark: ``hub run``, the alert raiser and delivery.

Each runs as a subprocess of the installed ``hub`` command with the benchmark's own
environment, its stdout and stderr in files under a logs directory (their tails explain
a failed run).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import ClassVar, TextIO

from bench.procstat import process_cpu_seconds
from hub.config import REPO_ROOT


def _hub_command() -> list[str]:
    script = Path(sys.executable).with_name("hub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hub"]


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


class HubProcesses:
    """``hub run``, ``hub alerts run --clock wall`` and ``hub alerts deliver`` as subprocesses."""

    COMMANDS: ClassVar[dict[str, list[str]]] = {
        "worker": ["run"],
        "raiser": ["alerts", "run", "--clock", "wall"],
        "delivery": ["alerts", "deliver"],
    }

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self._env = env
        self._logs = logs
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._files: list[TextIO] = []

    def run_once(self, *arguments: str) -> None:
        done = subprocess.run(
            [*_hub_command(), *arguments],
            env=self._env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"hub {' '.join(arguments)} failed: {done.stderr.strip()}")

    def start(self) -> None:
        for name in self.COMMANDS:
            self._launch(name)

    def _launch(self, name: str) -> None:
        out = (self._logs / f"{name}.out").open("a")
        err = (self._logs / f"{name}.err").open("a")
        self._files += [out, err]
        self._processes[name] = subprocess.Popen(
            [*_hub_command(), *self.COMMANDS[name]],
            env=self._env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=err,
        )

    def restart(self, name: str, timeout: float = 20.0) -> None:
        process = self._processes[name]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._launch(name)

    def logged(self, name: str, text: str) -> bool:
        path = self._logs / f"{name}.err"
        return path.exists() and text in path.read_text(encoding="utf-8", errors="replace")

    def exited(self) -> list[str]:
        return [name for name, process in self._processes.items() if process.poll() is not None]

    def cpu(self) -> dict[str, float]:
        found = {}
        for name, process in self._processes.items():
            seconds = process_cpu_seconds(process.pid)
            if seconds is not None:
                found[name] = seconds
        return found

    def tails(self) -> str:
        """The end of each process's stderr, to tell why a run failed."""
        return "\n".join(
            f"--- {name} stderr:\n{_tail(self._logs / f'{name}.err')}" for name in self._processes
        )

    def describe_exit(self, name: str) -> str:
        code = self._processes[name].returncode
        return (
            f"{name} exited early (code {code}); stderr tail:\n{_tail(self._logs / f'{name}.err')}"
        )

    def stop(self, timeout: float = 20.0) -> list[str]:
        """SIGTERM each process; return a problem for any that exited early or had to be killed."""
        problems = [self.describe_exit(name) for name in self.exited()]
        for process in self._processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in self._processes.items():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                problems.append(f"{name} ignored SIGTERM for {timeout:.0f} s and was killed")
        for handle in self._files:
            handle.close()
        return problems
