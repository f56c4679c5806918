"""The worker's event store checkpoints in its own thread; other applications as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from eventsourcing.domain import Aggregate

from hub.application.hub_app import HubApplication
from hub.bootstrap import build_application
from hub.config import Settings
from hub.eventstore.sqlite_store import (
    WORKER_WAL_AUTOCHECKPOINT_PAGES,
    WalCheckpointer,
    sqlite_path,
)


class Note(Aggregate):
    """Something to store."""

    def __init__(self, text: str) -> None:
        self.text = text


def _autocheckpoint(app: HubApplication) -> int:
    with app.recorder.datastore.transaction(commit=False) as cursor:  # type: ignore[attr-defined]
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


def test_only_the_worker_defers_checkpoints_to_its_own_thread(tmp_path: Path) -> None:
    """A worker's connections checkpoint only as a safety net; others keep SQLite's 1,000."""
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    worker, reader = build_application(settings, worker=True), build_application(settings)
    try:
        assert _autocheckpoint(worker) == WORKER_WAL_AUTOCHECKPOINT_PAGES
        assert _autocheckpoint(reader) == 1000
    finally:
        worker.close()
        reader.close()


def test_the_checkpointer_folds_committed_pages_into_the_file(tmp_path: Path) -> None:
    """What the worker committed is checkpointed, and reads back the same afterwards."""
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    app = build_application(settings, worker=True)
    notes = [Note(f"note {n}") for n in range(300)]
    app.save(*notes)
    path = sqlite_path(app)
    assert path is not None
    checkpointer = WalCheckpointer(path, interval_s=60)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        busy, frames, done = checkpointer.checkpoint_once(connection)
        assert (busy, done) == (0, frames) and frames > 0
    finally:
        connection.close()
    app.close()
    again = build_application(settings)
    try:
        assert again.repository.get(notes[-1].id).text == "note 299"
    finally:
        again.close()


def test_the_thread_checkpoints_once_more_when_stopped(tmp_path: Path) -> None:
    """Stopping does not wait for the interval, and leaves nothing in the log unfolded."""
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="unused")
    app = build_application(settings, worker=True)
    path = sqlite_path(app)
    assert path is not None
    checkpointer = WalCheckpointer(path, interval_s=3600)
    checkpointer.start()
    app.save(*(Note(f"note {n}") for n in range(50)))
    checkpointer.stop()
    app.close()
    assert checkpointer.checkpoints == 1
    assert checkpointer.last_result is not None
    busy, frames, done = checkpointer.last_result
    assert (busy, done) == (0, frames) and frames > 0


def test_in_memory_and_other_stores_have_no_file_to_checkpoint() -> None:
    """Only a SQLite file has a log to fold."""
    assert sqlite_path(HubApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})) is None
