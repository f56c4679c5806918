"""What the audit logs of several hub hosts say was disclosed, read the way each host stores it.

With every store on PostgreSQL the hosts share one log; until then each host's log is
the SQLite file under its own data directory. Either way the ids of every lookup record
are returned, so a test can check that no answered lookup went unaudited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hub.bootstrap import bootstrap
from hub.config import Settings


def audit_lookup_ids(env: Mapping[str, str], data_dirs: Sequence[Path]) -> set[str]:
    """The ``lookup_id`` of every lookup record in the logs the hosts wrote."""
    ids: set[str] = set()
    for data_dir in data_dirs:
        settings = Settings.from_env({**env, "HUB_DATA_DIR": str(data_dir)})
        log = bootstrap(settings).audit()
        try:
            ids.update(str(record.payload["lookup_id"]) for record in log.records("lookup"))
        finally:
            log.close()
    return ids
