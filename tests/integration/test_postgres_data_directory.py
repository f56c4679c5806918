"""Where ``deploy/postgres/postgres.sh`` keeps its cluster, wherever the checkout lives.

PostgreSQL refuses to run as root, so as root the script runs the server as the
``postgres`` user, which must reach the data directory. A checkout under a directory
that user cannot enter (root's home) would fail with "cannot reach"; the script then
keeps the cluster under ``/var/lib/postgresql/hub/``, one directory per checkout.
The script is copied into a throwaway checkout and asked only for its status, so no
cluster is created.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import REPO_ROOT

SCRIPT = REPO_ROOT / "deploy" / "postgres" / "postgres.sh"


@pytest.fixture
def checkout() -> Iterator[Path]:
    """A directory holding a copy of the script where a checkout would hold it."""
    top = Path(tempfile.mkdtemp(prefix="hub-checkout-", dir="/tmp"))
    repo = top / "repo"
    (repo / "deploy" / "postgres").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "deploy" / "postgres" / "postgres.sh")
    repo.chmod(0o755)
    yield repo
    shutil.rmtree(top)


def _status_line(repo: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k != "HUB_POSTGRES_DATA_DIR"}
    done = subprocess.run(
        ["bash", str(repo / "deploy" / "postgres" / "postgres.sh"), "status"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 3, done.stderr  # not running: nothing was created
    return done.stdout


def test_a_checkout_the_server_can_reach_keeps_its_cluster_inside(checkout: Path) -> None:
    """Every parent open to others: the cluster lives in the checkout's .data/postgres."""
    checkout.parent.chmod(0o755)
    assert f"(data {checkout}/.data/postgres/cluster)" in _status_line(checkout)


def test_a_checkout_the_server_cannot_reach_keeps_its_cluster_under_var_lib(
    checkout: Path,
) -> None:
    """A parent closed to others (root's home): as root, one directory per checkout elsewhere."""
    checkout.parent.chmod(0o700)
    line = _status_line(checkout)
    if os.geteuid() != 0:
        # Not root: the server runs as this user, who reaches its own checkout.
        assert f"(data {checkout}/.data/postgres/cluster)" in line
        return
    digest = hashlib.sha256(str(checkout).encode()).hexdigest()[:12]
    assert f"(data /var/lib/postgresql/hub/{digest}/cluster)" in line
