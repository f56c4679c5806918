"""Ingestion on the real broker: ground truth, dead letters, household fan-out."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from kafka import KafkaProducer

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from hub.cli.main import main
from hub.ingest.dead_letters import read_dead_letters
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native
from tests.integration.hub_harness import (
    TopicSet,
    compare_with_truth,
    ground_truth,
    hub_app,
    publish_generated,
    run_worker,
)

CODEC = SingleObjectCodec(default_catalogue())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("generated") / "feeds"
    status = main(
        ["generate", "--children", "1500", "--days", "7", "--seed", "11", "--out", str(out)]
    )
    assert status == 0
    return out


def test_chronologies_match_the_generators_ground_truth(
    kafka_bootstrap: str, generated: Path, tmp_path: Path
) -> None:
    """Every event is on its child's chronology once or waits for review; no wrong merges."""
    test_topics = TopicSet.fresh()
    published = publish_generated(
        kafka_bootstrap, generated, test_topics, tmp_path / "ledger.sqlite"
    )
    stats = run_worker(kafka_bootstrap, tmp_path / "hub", test_topics, f"g-{uuid.uuid4().hex}")
    assert (len(published.events), 0) == (stats.messages, stats.dead_letters)

    comparison = compare_with_truth(
        hub_app(tmp_path / "hub", worker=False), ground_truth(generated), published
    )
    assert comparison.wrong_merges == []
    assert comparison.duplicated == []
    assert comparison.lost == []
    assert comparison.split_children == []
    assert comparison.children > 100


def test_running_again_changes_nothing(
    kafka_bootstrap: str, generated: Path, tmp_path: Path
) -> None:
    """A second worker run over the same topics and database applies nothing new."""
    test_topics = TopicSet.fresh()
    publish_generated(kafka_bootstrap, generated, test_topics, tmp_path / "ledger.sqlite")
    group = f"g-{uuid.uuid4().hex}"
    run_worker(kafka_bootstrap, tmp_path / "hub", test_topics, group)
    before = _last_stored_event(tmp_path / "hub")
    again = run_worker(kafka_bootstrap, tmp_path / "hub", test_topics, f"other-{group}")
    assert (0, before) == (again.messages, _last_stored_event(tmp_path / "hub"))


def _last_stored_event(data_dir: Path) -> int | None:
    app = hub_app(data_dir, worker=False)
    try:
        return app.recorder.max_notification_id()
    finally:
        app.close()


def _produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for value in values:
        producer.send(topic, key=b"test", value=value)
    producer.flush()
    producer.close()


def test_bad_messages_are_dead_lettered_and_good_ones_processed(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Malformed, truncated, unknown-fingerprint and invalid messages go to the DLQ with reasons."""
    test_topics = TopicSet.fresh()
    csv = tmp_path / "cp.csv"
    csv.write_text(native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n", encoding="utf-8")
    [event] = ADAPTERS["csc"].read(csv).events
    good = CODEC.encode(event.schema_name, event.record)
    invalid = dict(event.record, envelope=dict(event.record["envelope"]))
    invalid["envelope"]["subject"] = dict(invalid["envelope"]["subject"], nhs_number="9434765918")
    invalid["envelope"]["event_id"] = uuid.uuid4()
    values = [
        b"not avro at all",
        good[: len(good) // 2],
        good[:2] + b"\x01\x02\x03\x04\x05\x06\x07\x08" + good[10:],
        CODEC.encode(event.schema_name, invalid),
        good,
    ]
    _produce(kafka_bootstrap, test_topics.agency("csc"), values)

    stats = run_worker(kafka_bootstrap, tmp_path / "hub", test_topics, f"g-{uuid.uuid4().hex}")
    assert (stats.messages, stats.dead_letters, stats.applied) == (5, 4, 1)
    letters = read_dead_letters(kafka_bootstrap, test_topics.dead_letter)
    assert [letter.reason for letter in sorted(letters, key=lambda x: x.original_offset)] == [
        "not-single-object-encoding",
        "corrupt-avro-body",
        "unknown-schema-fingerprint",
        "invalid-field",
    ]
    assert sorted(letter.original_offset for letter in letters) == [0, 1, 2, 3]
    assert {test_topics.agency("csc")} == {letter.original_topic for letter in letters}
    [truncated] = [letter for letter in letters if letter.original_offset == 1]
    assert "truncated Avro body" in truncated.detail
    assert hub_app(tmp_path / "hub", worker=False).find_child("nhs/9434765919").on_plan


def test_notification_for_a_household_of_three_reaches_each_child_once(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Police notify once about an address; each of its three children gets one entry (P3)."""
    test_topics = TopicSet.fresh()
    rows = [
        native.CSC_PLAN_STARTED,
        native.CSC_PLAN_STARTED.replace("LCS-1,9434765919,,James", "LCS-2,9434765870,,Lucy"),
        native.CSC_PLAN_STARTED.replace("LCS-1,9434765919,,James", "LCS-3,9434765900,,Noah"),
    ]
    csv = tmp_path / "cp.csv"
    csv.write_text("\n".join([native.CSC_HEADER, *rows]) + "\n", encoding="utf-8")
    police = tmp_path / "police.json"
    document = {"force": "WYP", "system": "NICHE", "notifications": [native.POLICE_GOOD]}
    police.write_text(json.dumps(document), encoding="utf-8")
    with EventPublisher(kafka_bootstrap, tmp_path / "ledger.sqlite") as publisher:
        for agency, path in (("csc", csv), ("police", police)):
            publisher.publish(agency, path, test_topics.agency(agency), ADAPTERS[agency].read(path))
    run_worker(kafka_bootstrap, tmp_path / "hub", test_topics, f"g-{uuid.uuid4().hex}")
    app = hub_app(tmp_path / "hub", worker=False)
    for nhs in ("9434765919", "9434765870", "9434765900"):
        kinds = [e.kind for e in app.find_child(f"nhs/{nhs}").chronology()]
        assert kinds.count("domestic-abuse-notification") == 1, nhs
