"""Test hosts on one machine: network namespaces on a private bridge, each with its own address.

A ``TestNetwork`` makes a Linux bridge and, per host, a network namespace joined to the
bridge by a veth pair, with an address in a private /24 chosen at random among
10.200-10.249 (so concurrent runs do not collide). The test process itself stays in
the root namespace and reaches every host through the bridge's address (.254). A
process started with ``Host.popen`` runs inside its host's namespace: it can bind only
that host's address (and its own loopback), so a part that would quietly use
127.0.0.1 to reach another part fails here as it would across real machines.

Needs root and iproute2 (`ip netns`, Debian's ``iproute2``: installed by ``make test``).
Everything made is removed on ``close()``, processes first.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


def available() -> str | None:
    """Why network namespaces cannot be made here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    return None


def _ip(*args: str, namespace: str | None = None) -> None:
    command = (
        ["ip", *args] if namespace is None else ["ip", "netns", "exec", namespace, "ip", *args]
    )
    subprocess.run(command, check=True, capture_output=True, text=True)


@dataclass
class Host:
    """One test host: a namespace with one address on the test network."""

    name: str
    address: str
    processes: list[subprocess.Popen[Any]] = field(default_factory=list)

    def command(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def popen(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, **options: Any
    ) -> subprocess.Popen[Any]:
        """Start ``argv`` on this host (in its own process group, killed on close)."""
        process = subprocess.Popen(
            self.command(argv), env=dict(env or os.environ), start_new_session=True, **options
        )
        self.processes.append(process)
        return process

    def run(
        self, argv: Sequence[str], env: Mapping[str, str] | None = None, **options: Any
    ) -> subprocess.CompletedProcess[Any]:
        return subprocess.run(self.command(argv), env=dict(env or os.environ), **options)

    def kill(self, process: subprocess.Popen[Any], sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (``ip netns exec`` execs, so it is the command's)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=30)


class TestNetwork:
    """A bridge and its hosts; the test process reaches them from the bridge's address."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        self.token = uuid.uuid4().hex[:6]
        self.subnet = f"10.{random.randint(200, 249)}.{random.randint(0, 255)}"
        self.bridge = f"hb{self.token}"
        self.hosts: list[Host] = []
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")

    @property
    def gateway(self) -> str:
        """The root namespace's address on the network (where the test process is)."""
        return f"{self.subnet}.254"

    @property
    def cidr(self) -> str:
        return f"{self.subnet}.0/24"

    def add_host(self, label: str) -> Host:
        number = len(self.hosts) + 1
        namespace = f"hub-{self.token}-{label}"
        outside, inside = f"hv{self.token}{number}", f"hp{self.token}{number}"
        host = Host(namespace, f"{self.subnet}.{number}")
        _ip("netns", "add", namespace)
        self.hosts.append(host)
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", namespace)
        _ip("link", "set", outside, "master", self.bridge)
        _ip("link", "set", outside, "up")
        _ip("addr", "add", f"{host.address}/24", "dev", inside, namespace=namespace)
        _ip("link", "set", inside, "up", namespace=namespace)
        _ip("link", "set", "lo", "up", namespace=namespace)
        return host

    def close(self) -> None:
        for host in self.hosts:
            for process in host.processes:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGTERM)
                    try:
                        process.wait(timeout=20)
                    except subprocess.TimeoutExpired:
                        host.kill(process)
        for host in self.hosts:
            subprocess.run(["ip", "netns", "del", host.name], capture_output=True)
        subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)

    def __enter__(self) -> TestNetwork:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
