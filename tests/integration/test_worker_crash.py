"""A worker killed with SIGKILL mid-stream and restarted ends where an uninterrupted one does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

from hub.cli.main import main
from tests.integration.hub_harness import (
    TopicSet,
    hub_app,
    hub_state,
    publish_generated,
    run_worker,
)

BATCH_SIZE = 50  # small, so each kill lands mid-stream


def _processed(database: Path) -> int:
    """Messages consumed so far: the sum of the stored next offsets over all partitions."""
    if not database.exists():
        return 0
    with sqlite3.connect(database, timeout=30) as connection:
        try:
            row = connection.execute(
                "SELECT COALESCE(SUM(notification_id), 0) FROM tracking "
                "WHERE application_name LIKE '%#%'"
            ).fetchone()
        except sqlite3.OperationalError:
            return 0
    return int(row[0])


def _worker(
    bootstrap: str, data_dir: Path, topics: TopicSet, group: str, *extra: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_KAFKA_BOOTSTRAP": bootstrap,
        "HUB_TOPIC_PREFIX": topics.prefix,
        "HUB_CONSUMER_GROUP": group,
        "HUB_BATCH_SIZE": str(BATCH_SIZE),
        "HUB_LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "hub", "run", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_mid_stream_then_restart_matches_an_uninterrupted_run(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Kill -9 at three points mid-stream; the restarted worker loses and doubles nothing."""
    out = tmp_path / "feeds"
    assert 0 == main(
        ["generate", "--children", "6000", "--days", "7", "--seed", "5", "--out", str(out)]
    )
    topics = TopicSet.fresh()
    published = publish_generated(kafka_bootstrap, out, topics, tmp_path / "ledger.sqlite")
    total = len(published.events)

    # The same batch (chunk) size as the crashed workers: it fixes the processing order,
    # and which of two differently spelt records creates the child and which waits for
    # review depends on that order (hub.ingest.ordering).
    run_worker(
        kafka_bootstrap,
        tmp_path / "reference",
        topics,
        f"ref-{uuid.uuid4().hex}",
        batch_size=BATCH_SIZE,
    )
    reference_app = hub_app(tmp_path / "reference", worker=False)
    expected = hub_state(reference_app)
    reference_app.close()

    crashed = tmp_path / "crashed"
    database = crashed / "hub.sqlite"
    group = f"crash-{uuid.uuid4().hex}"
    progress = [0]
    started: list[subprocess.Popen[bytes]] = []
    try:
        for _ in range(3):
            worker = _worker(kafka_bootstrap, crashed, topics, group)
            started.append(worker)
            deadline = time.monotonic() + 120
            while _processed(database) <= progress[-1] and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.3)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
            progress.append(_processed(database))
        assert progress == sorted(progress) and progress[1] > 0, progress
        assert progress[-1] < total, "the kills all came after the stream was finished"

        finisher = _worker(kafka_bootstrap, crashed, topics, group, "--until-idle")
        started.append(finisher)
        assert 0 == finisher.wait(timeout=300)
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    assert total == _processed(database)
    crashed_app = hub_app(crashed, worker=False)
    assert expected == hub_state(crashed_app)
    crashed_app.close()
