"""Signed heads published to Kafka witness the log: truncation and deleted heads are seen."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.audit.chain import AuditLog
from hub.audit.witness_topic import HeadsRelay, read_witness_topic

KEY = Ed25519PrivateKey.generate()


def test_heads_reach_the_topic_once_and_reveal_a_truncated_log(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Three groups' heads published (a second run adds none); then the tail is cut.

    The tail's records and heads deleted from the database verify as intact on their
    own; against the topic, the truncation and the deleted heads are reported.
    """
    topic = f"test.audit.heads.{uuid.uuid4().hex[:8]}"
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path, KEY)
    relay = HeadsRelay(log, kafka_bootstrap, tmp_path / "relay.sqlite", topic=topic)
    log.append("lookup", [{"n": 1}, {"n": 2}])
    log.append("lookup", [{"n": 3}])
    assert 2 == relay.relay_pending()
    log.append("disclosure", [{"n": 4}, {"n": 5}])
    assert 1 == relay.relay_pending()
    assert 0 == relay.relay_pending()
    relay.close()
    witnessed = read_witness_topic(kafka_bootstrap, topic)
    assert [2, 3, 5] == [head.size for head in witnessed]
    assert log.verify(KEY.public_key(), witnessed=witnessed).ok

    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM audit WHERE seq > 3")
        db.execute("DELETE FROM tree_heads WHERE size > 3")
    assert log.verify(KEY.public_key()).ok
    problems = log.verify(KEY.public_key(), witnessed=witnessed).problems
    log.close()
    assert any("truncated after it was witnessed" in p for p in problems), problems
    assert any("missing from the log (heads deleted)" in p for p in problems), problems
