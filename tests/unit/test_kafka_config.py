"""KRaft cluster ids are valid for kafka-storage's command line."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator

import pytest

from broker import kafka_config


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """An id encoding to "-..." (taken for an option by kafka-storage) is drawn again."""
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))
    plain = uuid.UUID(bytes=b"\x10" + bytes(15))
    draws: Iterator[uuid.UUID] = iter([dashed, plain])
    monkeypatch.setattr("broker.kafka_config.uuid.uuid4", lambda: next(draws))

    cluster_id = kafka_config.new_cluster_id()

    assert base64.urlsafe_b64encode(dashed.bytes).decode().startswith("-")
    assert cluster_id == base64.urlsafe_b64encode(plain.bytes).decode().rstrip("=")
