"""What the shared audit log of several hub hosts says was disclosed, and whether it verifies.

With every store on PostgreSQL the hosts share one log (``HUB_DATABASE_URL``); each
host's settings open it, so a log a host could not reach would show as missing records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from hub.audit.chain import VerifyResult
from hub.bootstrap import bootstrap
from hub.config import Settings


def audit_lookup_ids(
    env: Mapping[str, str], data_dirs: Sequence[Path]
) -> tuple[set[str], VerifyResult]:
    """The ``lookup_id`` of every lookup record the hosts' logs hold, and the log's verdict."""
    ids: set[str] = set()
    verdict: VerifyResult | None = None
    for data_dir in data_dirs:
        settings = Settings.from_env({**env, "HUB_DATA_DIR": str(data_dir)})
        log = bootstrap(settings).audit()
        try:
            ids.update(str(record.payload["lookup_id"]) for record in log.records("lookup"))
            verdict = log.verify(log.public_key, bound_s=1.0)
        finally:
            log.close()
    assert verdict is not None, "no host to read"
    return ids, verdict
