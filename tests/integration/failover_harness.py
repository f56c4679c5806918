"""Helpers for the failover tests: `hub run` processes, their JSON logs, progress in the store."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from tests.integration.hub_harness import TopicSet

BATCH_SIZE = 50  # small, so a kill lands mid-stream
TRACKING_SUM = (
    "SELECT COALESCE(SUM(notification_id), 0) FROM {table} WHERE application_name LIKE '%#%'"
)


def sqlite_progress(database: Path) -> Callable[[], int]:
    """Messages consumed so far in a SQLite store: the sum of the stored next offsets."""

    def processed() -> int:
        if not database.exists():
            return 0
        with sqlite3.connect(database, timeout=30) as connection:
            try:
                row = connection.execute(TRACKING_SUM.format(table="tracking")).fetchone()
            except sqlite3.OperationalError:
                return 0
        return int(row[0])

    return processed


def postgres_progress(url: str) -> Callable[[], int]:
    """Messages consumed so far in a PostgreSQL store (eventsourcing's tracking table)."""

    def processed() -> int:
        with psycopg.connect(url) as connection:
            try:
                row = connection.execute(
                    TRACKING_SUM.format(table="safeguardinghub_tracking")
                ).fetchone()
            except psycopg.errors.UndefinedTable:
                return 0
        return int(row[0]) if row else 0

    return processed


@dataclass
class HubRun:
    """A `hub run` subprocess whose JSON log lines go to a file."""

    process: subprocess.Popen[bytes]
    log_path: Path

    def events(self) -> list[dict[str, Any]]:
        if not self.log_path.exists():
            return []
        lines = self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line))
            except ValueError:
                continue  # a traceback's lines, or a line being written
        return parsed

    def logged(self, event: str) -> bool:
        return any(record.get("event") == event for record in self.events())

    def wait_for(self, event: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not self.logged(event):
            if self.process.poll() is not None:
                raise AssertionError(f"hub run exited ({self.process.returncode}) before {event}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event} within {timeout_s} s")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def start_hub_run(
    bootstrap: str,
    data_dir: Path,
    topics: TopicSet,
    group: str,
    name: str,
    *extra: str,
    database_url: str | None = None,
) -> HubRun:
    """`hub run` as its own process (the real command line), logging JSON at INFO."""
    env = {
        **os.environ,
        "HUB_DATA_DIR": str(data_dir),
        "HUB_KAFKA_BOOTSTRAP": bootstrap,
        "HUB_TOPIC_PREFIX": topics.prefix,
        "HUB_CONSUMER_GROUP": group,
        "HUB_BATCH_SIZE": str(BATCH_SIZE),
        "HUB_LOG_LEVEL": "INFO",
        "HUB_LOG_FORMAT": "json",
    }
    env.pop("HUB_DATABASE_URL", None)
    if database_url is not None:
        env["HUB_DATABASE_URL"] = database_url
    log_path = data_dir.parent / f"{name}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "hub", "run", *extra],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
    return HubRun(process, log_path)


def wait_until(condition: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(poll_s)
    return False
