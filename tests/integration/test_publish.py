"""Adapters publishing to the real broker: delivered, decodable, and never doubled."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from hub.cli.main import main
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native
from tests.integration.kafka_reading import read_all

CODEC = SingleObjectCodec(default_catalogue())


def _topic() -> str:
    return f"test.publish.{uuid.uuid4().hex[:10]}"


def _ae_file(tmp_path: Path) -> Path:
    path = tmp_path / "ae.hl7"
    text = native.HL7_GOOD_A04 + native.HL7_BAD_NHS + native.HL7_GOOD_A03
    path.write_text(text, encoding="utf-8")
    return path


def test_good_records_reach_the_topic_and_bad_ones_are_reported(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Two good HL7 messages are on the topic, decodable; the bad one is in the report only."""
    topic, path = _topic(), _ae_file(tmp_path)
    adapter = ADAPTERS["ae"]
    with EventPublisher(kafka_bootstrap, tmp_path / "ledger.sqlite") as publisher:
        report = publisher.publish("ae", path, topic, adapter.read(path))
    assert (report.published, len(report.rejected)) == (2, 1)
    messages = read_all(kafka_bootstrap, topic)
    decoded = [CODEC.decode(m.value) for m in messages]
    assert {"EmergencyAttendance"} == {d.schema_name for d in decoded}
    assert sorted((d.record["attendance_event"] for d in decoded), reverse=True) == [
        "REGISTERED",
        "DISCHARGED",
    ]
    assert {b"nhs:9434765919"} == {m.key for m in messages}
    assert {str(d.record["envelope"]["event_id"]).encode() for d in decoded} == {
        dict(m.headers)["event-id"] for m in messages
    }


def test_republishing_a_file_adds_nothing(kafka_bootstrap: str, tmp_path: Path) -> None:
    """Sending the same file again publishes no new message: the ledger knows its event ids."""
    topic, path = _topic(), _ae_file(tmp_path)
    adapter = ADAPTERS["ae"]
    ledger = tmp_path / "ledger.sqlite"
    with EventPublisher(kafka_bootstrap, ledger) as publisher:
        publisher.publish("ae", path, topic, adapter.read(path))
    with EventPublisher(kafka_bootstrap, ledger) as publisher:
        again = publisher.publish("ae", path, topic, adapter.read(path))
    assert (again.published, again.already_published) == (0, 2)
    assert len(read_all(kafka_bootstrap, topic)) == 2


@pytest.mark.parametrize("agency", ["police", "school", "csc"])
def test_each_agency_export_is_published(agency: str, kafka_bootstrap: str, tmp_path: Path) -> None:
    """Police, school and social-care exports each deliver their events to the broker."""
    topic = _topic()
    path = tmp_path / f"{agency}.export"
    if agency == "police":
        document = {"force": "WYP", "system": "NICHE", "notifications": [native.POLICE_GOOD]}
        path.write_text(json.dumps(document), encoding="utf-8")
    elif agency == "school":
        row = (
            "100001,Test Primary,A123456789012,P1,Smith,James,2015-03-04,LS1 4AB,1000123,"
            "2026-11-02,AM,O,3,2026-11-02T09:30:00+00:00"
        )
        path.write_text(native.SCHOOL_HEADER + "\n" + row + "\n", encoding="utf-8")
    else:
        path.write_text(native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n", encoding="utf-8")
    adapter = ADAPTERS[agency]
    with EventPublisher(kafka_bootstrap, tmp_path / "ledger.sqlite") as publisher:
        report = publisher.publish(agency, path, topic, adapter.read(path))
    assert (report.published, report.rejected) == (1, [])
    [message] = read_all(kafka_bootstrap, topic)
    assert report.agency and CODEC.decode(message.value).record["envelope"]["record_reference"]


def test_publish_command_reports_rejects_and_exits_nonzero(
    kafka_bootstrap: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`hub publish` prints the bad record's file, line, field and reason and exits 1."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    path = _ae_file(tmp_path)
    rejects = tmp_path / "rejects.jsonl"
    status = main(
        ["publish", "ae", str(path), "--bootstrap", kafka_bootstrap, "--rejects", str(rejects)]
    )
    captured = capsys.readouterr()
    assert status == 1
    assert "2 published" in captured.out
    assert f"{path}:line 9: PID-3:" in captured.err
    [line] = rejects.read_text().splitlines()
    assert json.loads(line)["field"] == "PID-3"


def test_kafka_console_consumer_reads_what_an_adapter_wrote(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Kafka's own console consumer reads the police adapter's message: C3 01 marker, reference."""
    import subprocess

    from broker.kafka_runtime import console_consumer_command

    topic = _topic()
    path = tmp_path / "police.json"
    document = {"force": "WYP", "system": "NICHE", "notifications": [native.POLICE_GOOD]}
    path.write_text(json.dumps(document), encoding="utf-8")
    with EventPublisher(kafka_bootstrap, tmp_path / "ledger.sqlite") as publisher:
        publisher.publish("police", path, topic, ADAPTERS["police"].read(path))
    command = console_consumer_command(
        kafka_bootstrap, topic, from_beginning=True, max_messages=1, timeout_ms=30_000
    )
    output = subprocess.run(command, capture_output=True, timeout=120, check=True).stdout
    assert b"\xc3\x01" == output[:2]
    assert b"WYP-20261101-000001" in output
