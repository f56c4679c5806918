"""Two `hub run` workers on one store: kill -9 the active one, the standby finishes the job.

The standby waits for the store's lease (hub.ingest.lease), joins the consumer group
when the killed worker's lease is released, and resumes from the stored positions once
the group has dropped the dead member (HUB_KAFKA_SESSION_TIMEOUT_MS). The result must
equal an uninterrupted run over the same topics: the same children with the same
entries, the same identity queue, nothing lost and nothing doubled. Each test prints the
time from the kill to the lease taken, the partitions assigned and the first commit
(docs/deployment.md, "Worker failover").
"""

from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest

from hub.bootstrap import build_application
from hub.cli.main import main
from hub.cli.run_command import EXIT_LEASE_LOST
from hub.config import Settings
from hub.ingest.lease import LEASE_NAME, advisory_key
from tests.integration.failover_harness import (
    BATCH_SIZE,
    HubRun,
    postgres_progress,
    sqlite_progress,
    start_hub_run,
    wait_until,
)
from tests.integration.hub_harness import (
    Published,
    TopicSet,
    compare_with_truth,
    ground_truth,
    hub_app,
    hub_state,
    publish_generated,
    run_worker,
)

CHILDREN, DAYS, SEED = 3000, 7, 5


@dataclass(frozen=True)
class Feeds:
    """Generated feeds published once to private topics, with an uninterrupted run's state."""

    out: Path
    topics: TopicSet
    published: Published
    expected: dict[str, Any]


@pytest.fixture(scope="module")
def feeds(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Feeds:
    """The population, published, and the state one worker reaches without interruption."""
    base = tmp_path_factory.mktemp("failover")
    out = base / "feeds"
    assert 0 == main(
        [
            *("generate", "--children", str(CHILDREN), "--days", str(DAYS)),
            *("--seed", str(SEED), "--out", str(out)),
        ]
    )
    topics = TopicSet.fresh()
    published = publish_generated(kafka_bootstrap, out, topics, base / "ledger.sqlite")
    # The same chunk size as the workers below: it fixes the processing order.
    run_worker(kafka_bootstrap, base / "reference", topics, f"ref-{uuid.uuid4().hex}", BATCH_SIZE)
    reference = hub_app(base / "reference", worker=False)
    expected = hub_state(reference)
    reference.close()
    return Feeds(out, topics, published, expected)


def _seconds_after(kill_wall: float, run: HubRun, event: str) -> float | None:
    for record in run.events():
        if record.get("event") == event:
            logged = datetime.fromisoformat(str(record["timestamp"]).replace("Z", "+00:00"))
            return logged.timestamp() - kill_wall
    return None


def _kill_active_and_let_the_standby_finish(
    kafka_bootstrap: str,
    feeds: Feeds,
    data_dir: Path,
    progress: Callable[[], int],
    label: str,
    store_url: str | None = None,
) -> None:
    total = len(feeds.published.events)
    group = f"failover-{uuid.uuid4().hex}"
    active = start_hub_run(
        kafka_bootstrap, data_dir, feeds.topics, group, "active", database_url=store_url
    )
    runs = [active]
    try:
        active.wait_for("worker_lease_acquired", 120)
        standby = start_hub_run(
            kafka_bootstrap,
            data_dir,
            feeds.topics,
            group,
            "standby",
            "--until-idle",
            database_url=store_url,
        )
        runs.append(standby)
        standby.wait_for("worker_standby", 120)
        assert wait_until(lambda: progress() >= total // 4, 180), "the active worker never began"

        kill_wall, kill_at = time.time(), time.monotonic()
        os.kill(active.process.pid, signal.SIGKILL)
        active.process.wait(timeout=30)
        at_kill = progress()
        assert 0 < at_kill < total, "the kill came after the stream was finished"
        assert wait_until(lambda: progress() > at_kill, 120, poll_s=0.01), "nobody resumed"
        resumed = time.monotonic() - kill_at

        assert 0 == standby.process.wait(timeout=300)
        lease = _seconds_after(kill_wall, standby, "worker_lease_acquired")
        assigned = _seconds_after(kill_wall, standby, "partition_assigned")
        print(
            f"\nfailover ({label}): kill -9 -> standby holds the lease {lease:.2f} s, "
            f"-> partitions assigned {assigned:.2f} s, -> first commit {resumed:.2f} s "
            f"(session timeout {os.environ.get('HUB_KAFKA_SESSION_TIMEOUT_MS', '6000')} ms)"
        )
    finally:
        for run in runs:
            run.stop()
    assert total == progress()


def _assert_same_as_uninterrupted(feeds: Feeds, settings: Settings) -> None:
    app = build_application(settings, worker=False)
    try:
        comparison = compare_with_truth(app, ground_truth(feeds.out), feeds.published)
        assert ([], [], []) == (comparison.lost, comparison.duplicated, comparison.wrong_merges)
        assert feeds.expected == hub_state(app)
    finally:
        app.close()


@pytest.mark.slow
def test_the_standby_takes_over_a_killed_worker_on_sqlite(
    kafka_bootstrap: str, feeds: Feeds, tmp_path: Path
) -> None:
    """SQLite: after kill -9 of the active worker the standby ends where one worker would."""
    data_dir = tmp_path / "hub"
    progress = sqlite_progress(data_dir / "hub.sqlite")

    _kill_active_and_let_the_standby_finish(kafka_bootstrap, feeds, data_dir, progress, "sqlite")

    _assert_same_as_uninterrupted(feeds, Settings(data_dir=data_dir, kafka_bootstrap="unused"))


@pytest.mark.slow
def test_the_standby_takes_over_a_killed_worker_on_postgres(
    kafka_bootstrap: str,
    feeds: Feeds,
    database_url: str,
    tmp_path: Path,
) -> None:
    """PostgreSQL: the killed worker's advisory lock goes with its session; same end state."""
    data_dir = tmp_path / "hub"
    progress = postgres_progress(database_url)

    _kill_active_and_let_the_standby_finish(
        kafka_bootstrap, feeds, data_dir, progress, "postgresql", database_url
    )

    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused", database_url=database_url)
    _assert_same_as_uninterrupted(feeds, settings)


def _lease_holder_pid(url: str) -> int:
    """The server process of the session holding the worker lease's advisory lock."""
    key = advisory_key(LEASE_NAME)
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
            " AND classid::bigint = ((%(key)s >> 32) & 4294967295)"
            " AND objid::bigint = (%(key)s & 4294967295)",
            {"key": key},
        ).fetchone()
    assert row is not None, "nobody holds the lease"
    return int(row[0])


@pytest.mark.slow
def test_a_paused_worker_that_lost_its_lease_stops_without_doubling_anything(
    kafka_bootstrap: str,
    feeds: Feeds,
    database_url: str,
    tmp_path: Path,
) -> None:
    """Split brain: a paused worker whose lease session was lost commits nothing more.

    The active worker is paused (SIGSTOP) and its lease's session ended; the standby
    takes over. When the old worker wakes it exits 3 before its next commit (a commit it
    had in flight is the chunk the standby applies next: the tracking record refuses one
    of the two), and the end state equals an uninterrupted run.
    """
    data_dir = tmp_path / "hub"
    progress = postgres_progress(database_url)
    total = len(feeds.published.events)
    group = f"split-{uuid.uuid4().hex}"
    start = functools.partial(
        start_hub_run, kafka_bootstrap, data_dir, feeds.topics, group, database_url=database_url
    )
    old = start("old")
    runs = [old]
    try:
        old.wait_for("worker_lease_acquired", 120)
        new = start("new", "--until-idle")
        runs.append(new)
        new.wait_for("worker_standby", 120)
        assert wait_until(lambda: progress() >= total // 4, 180), "the old worker never began"

        os.kill(old.process.pid, signal.SIGSTOP)
        at_pause = progress()
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (_lease_holder_pid(database_url),))
        new.wait_for("worker_lease_acquired", 30)
        # The new worker resumes once the group drops the paused member (its session
        # expires); it may wait on a row the paused worker's open transaction holds.
        wait_until(lambda: progress() > at_pause, 30)
        os.kill(old.process.pid, signal.SIGCONT)

        assert EXIT_LEASE_LOST == old.process.wait(timeout=120)
        assert old.logged("worker_lease_lost")
        assert 0 == new.process.wait(timeout=300)
    finally:
        for run in runs:
            if run.process.poll() is None:
                os.kill(run.process.pid, signal.SIGCONT)
            run.stop()
    assert total == progress()
    settings = Settings(data_dir=data_dir, kafka_bootstrap="unused", database_url=database_url)
    _assert_same_as_uninterrupted(feeds, settings)
