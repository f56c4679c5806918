"""The local KRaft cluster's configuration: valid cluster ids, the address nodes serve on."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from broker import kafka_config
from broker.kafka_config import ClusterLayout, server_properties


def test_a_cluster_id_never_starts_with_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    """An id encoding to "-..." (taken for an option by kafka-storage) is drawn again."""
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))
    plain = uuid.UUID(bytes=b"\x10" + bytes(15))
    draws: Iterator[uuid.UUID] = iter([dashed, plain])
    monkeypatch.setattr("broker.kafka_config.uuid.uuid4", lambda: next(draws))

    cluster_id = kafka_config.new_cluster_id()

    assert base64.urlsafe_b64encode(dashed.bytes).decode().startswith("-")
    assert cluster_id == base64.urlsafe_b64encode(plain.bytes).decode().rstrip("=")


def test_nodes_listen_on_and_advertise_the_clusters_host(tmp_path: Path) -> None:
    """A cluster served to other hosts: listeners, quorum and bootstrap use its address."""
    layout = ClusterLayout("id", 3, 9092, host="10.77.0.1")
    node = layout.nodes(tmp_path)[1]

    properties = server_properties(layout, node, tmp_path)

    assert "listeners=PLAINTEXT://10.77.0.1:9093,CONTROLLER://10.77.0.1:9096" in properties
    assert "advertised.listeners=PLAINTEXT://10.77.0.1:9093" in properties
    assert "controller.quorum.voters=1@10.77.0.1:9095,2@10.77.0.1:9096,3@10.77.0.1:9097" in (
        properties
    )
    assert "10.77.0.1:9092,10.77.0.1:9093,10.77.0.1:9094" == layout.bootstrap_servers


def test_a_saved_layout_keeps_its_host(tmp_path: Path) -> None:
    """The host is stored with the cluster; a layout saved before hosts existed is local."""
    ClusterLayout("id", 1, 9092, host="10.77.0.1").save(tmp_path)
    assert "10.77.0.1" == ClusterLayout.load(tmp_path).host  # type: ignore[union-attr]
    (tmp_path / "cluster.json").write_text('{"cluster_id": "id", "brokers": 1, "port": 9092}')
    assert "127.0.0.1" == ClusterLayout.load(tmp_path).host  # type: ignore[union-attr]
