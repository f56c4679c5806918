"""Standard HL7 v2 ADT through `hub publish ae` and the hub, on the real broker.

A corpus of public-style ADT messages written for these tests (tests/fixtures/hl7: each
trigger, batch headers, every timestamp precision, offsets and none, with and without
ZSG) is published by the real command; every published time is checked against the
instant the message states. Then an A08 update during an attendance raises the A6 alert
before any discharge.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from hub import topics
from hub.cli.main import main
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures.lookup_world import Person, attendance, nhs_number
from tests.integration.kafka_reading import read_all
from tests.integration.test_alert_routing import Hub, _hub

CODEC = SingleObjectCodec(default_catalogue())
CORPUS = Path(__file__).parent.parent / "fixtures" / "hl7"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Reference (without an update's digest) -> the instants the message states, in UTC:
# (occurred_at, recorded_at, arrival_time, discharge_time).
EXPECTED = {
    # PV1-44 "2025061409": hour precision, no offset, so 09:00 London (BST) time.
    "RCP01/V1/A01": ("2025-06-14T08:00", "2025-06-14T08:15", "2025-06-14T08:00", None),
    # EVN-2 "2025061410+0100": an hour with its offset.
    "RCP01/V1/A11": ("2025-06-14T09:00", "2025-06-14T09:00", "2025-06-14T08:00", None),
    # Minute and second precision in winter (London is UTC).
    "RCP01/V2/A04": ("2025-01-15T08:30", "2025-01-15T08:35:12", "2025-01-15T08:30", None),
    # EVN-6 "20250115040500.5-0500" and EVN-2 "20250115101000.2531+0100".
    "RCP01/V2/A08": (
        "2025-01-15T09:05:00.5",
        "2025-01-15T09:10:00.2531",
        "2025-01-15T08:30",
        None,
    ),
    # PV1-45 "20250115113000-0000", EVN-2 "20250115113200+0000".
    "RCP01/V2/A03": (
        "2025-01-15T11:30",
        "2025-01-15T11:32",
        "2025-01-15T08:30",
        "2025-01-15T11:30",
    ),
    "RCP01/V2/A13": (
        "2025-01-15T12:00",
        "2025-01-15T12:00",
        "2025-01-15T08:30",
        "2025-01-15T11:30",
    ),
    # In the batch: PV1-44 "2025" (a year) and EVN-2 "202501" (a month), both London time.
    "RCP01/V3/A04": ("2025-01-01T00:00", "2025-01-01T00:00", "2025-01-01T00:00", None),
    # PV1-44 "20250701" (a day, BST) and EVN-2 "20250701000000.1".
    "RCP01/V4/A04": ("2025-06-30T23:00", "2025-06-30T23:00:00.1", "2025-06-30T23:00", None),
}


def _millis(moment: datetime) -> datetime:
    """The envelope's resolution: Avro timestamp-millis, shared by every agency's schema.

    EmergencyAttendance v4 carries the same two times to the microsecond beside it.
    """
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _publish(
    path: Path, bootstrap: str, rejects: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    status = main(["publish", "ae", str(path), "--bootstrap", bootstrap, "--rejects", str(rejects)])
    return status, capsys.readouterr().err


def test_the_corpus_publishes_every_time_exactly(
    kafka_bootstrap: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each standard message is published once with the instants it states; exit 0 per file."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("HUB_AE_TIME_ZONE", raising=False)
    good = sorted(p for p in CORPUS.glob("*.hl7") if p.name != "malformed.hl7")
    statuses = {
        p.name: _publish(p, kafka_bootstrap, tmp_path / "rejects.jsonl", capsys)[0] for p in good
    }
    assert {p.name: 0 for p in good} == statuses
    published: dict[str, dict[str, Any]] = {}
    for message in read_all(kafka_bootstrap, topics.EMERGENCY_CARE):
        record = CODEC.decode(message.value).record
        reference = record["envelope"]["record_reference"]
        if reference.startswith("RCP01/V"):
            published["/".join(reference.split("/")[:3])] = record
    assert sorted(EXPECTED) == sorted(published)
    for reference, (occurred, recorded, arrival, discharge) in EXPECTED.items():
        record = published[reference]
        envelope = record["envelope"]
        assert (
            reference,
            _millis(_at(occurred)),
            _millis(_at(recorded)),
            _at(occurred),
            _at(recorded),
            _at(arrival),
            None if discharge is None else _at(discharge),
        ) == (
            reference,
            envelope["occurred_at"],
            envelope["recorded_at"],
            record["occurred_at_micros"],
            record["recorded_at_micros"],
            record["arrival_time"],
            record["discharge_time"],
        )


def test_malformed_messages_are_rejected_with_line_field_and_reason(
    kafka_bootstrap: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every message is published or rejected with its line, field and reason: none vanishes."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path / "data"))
    path = CORPUS / "malformed.hl7"
    status, err = _publish(path, kafka_bootstrap, tmp_path / "rejects.jsonl", capsys)
    expected = [
        "line 66: BTS-1: batch says '3' messages but holds 1",
        "line 5: PV1-44: not an HL7 date-time",
        "line 9: PID-8: '1' is not in HL7 table 0001",
        "line 13: MSH-9: 'A99' is not one of",
        "line 24: ZSG-5: 'X' is not one of",
        "line 29: PV1-44: local time '202503300130' did not exist in Europe/London",
        "line 31: PV1: PV1 segment is missing",
        "line 38: PID-3: identifier has no type",
        "line 45: PV1-36: 'home' is not one of",
        "line 46: segment: not an HL7 segment (line 51)",
        "line 53: EVN: EVN segment appears 2 times",
    ]
    assert (1, []) == (status, [text for text in expected if f"{path}:{text}" not in err])
    messages = path.read_bytes().count(b"MSH|")
    published = [
        m
        for m in read_all(kafka_bootstrap, topics.EMERGENCY_CARE)
        if CODEC.decode(m.value).record["envelope"]["record_reference"].startswith("RCP01/M")
    ]
    assert messages == len(published) + len(expected) - 1  # the BTS-1 line is not a message


@pytest.fixture
def hub(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Hub]:
    made = _hub(kafka_bootstrap, tmp_path / "hub")
    yield made
    made.store.close()
    made.audit.close()
    made.app.close()


LILY = Person(nhs_number("943478500"), "Lily", "Shaw", "2019-06-01", "LS6 1AA")


def test_an_a08_with_examination_refused_raises_a6_before_discharge(hub: Hub) -> None:
    """Arrival, then an A08 saying a fuller examination was refused: A6 is raised, no A03 yet."""
    arrival = attendance(LILY, "V0601", "202611191400").replace(
        "ZSG|first|Y|Y|N|N", "ZSG|first|Y|N|N|N"
    )
    update = (
        arrival.replace("ADT^A04^ADT_A01", "ADT^A08^ADT_A01")
        .replace("EVN|A04|20261101081500", "EVN|A08|20261119143000+0000")
        .replace("MV0601|P", "MV0601U|P")
        .replace("ZSG|first|Y|N|N|N", "ZSG|first|Y|N|N|Y")
    )
    hub.publish(hub.hl7(arrival))
    hub.ingest_and_raise()
    before = hub.alerts("a6-examination-refused", LILY.nhs)
    hub.publish(hub.hl7(update))
    hub.ingest_and_raise()
    raised = hub.alerts("a6-examination-refused", LILY.nhs)
    child = hub.app.find_child(f"nhs/{LILY.nhs}")
    kinds = [entry.kind for entry in child.chronology()]
    assert ([], True, {"urgent"}, ["unscheduled-care-arrival", "unscheduled-care-update"]) == (
        before,
        len(raised) > 0,
        {a.urgency for a in raised},
        kinds,
    )


MAX = Person(nhs_number("943478501"), "Max", "Shaw", "2018-02-01", "LS6 1AA")


def test_a_discharge_after_a_cancelled_one_stands_and_replays_change_nothing(hub: Hub) -> None:
    """A04, A03, A13, A03 through hub publish and the worker; the file again adds nothing."""
    arrival = attendance(MAX, "V0701", "202611191400")

    def discharge(trigger: str, control: str, recorded: str, discharged: str) -> str:
        structure = "ADT_A03" if trigger == "A03" else "ADT_A01"
        return (
            arrival.replace("ADT^A04^ADT_A01|MV0701", f"ADT^{trigger}^{structure}|{control}")
            .replace("EVN|A04|20261101081500", f"EVN|{trigger}|{recorded}+0000")
            .replace("20261119140000\r", f"20261119140000|{discharged}+0000\r")
        )

    messages = [
        arrival,
        discharge("A03", "D1", "20261119153000", "20261119152500"),
        discharge("A13", "D2", "20261119154000", "20261119152500"),
        discharge("A03", "D3", "20261119170000", "20261119165500"),
    ]
    hub.publish(hub.hl7(*messages))
    hub.ingest_and_raise()
    resent = messages[3].replace("|D3|", "|D3-AGAIN|")
    hub.publish(hub.hl7(*messages, resent))
    hub.ingest_and_raise()
    child = hub.app.find_child(f"nhs/{MAX.nhs}")
    discharges = [e.details["discharge_time"] for e in child.chronology()]
    kept = [(e.kind, e.details["withdrawn_reason"]) for e in child.withdrawn_entries]
    events = read_all(hub.bootstrap, hub.topics.agency("ae"))
    assert (
        4,
        [None, "2026-11-19T16:55:00+00:00"],
        [("unscheduled-care-discharge", "discharge cancelled: no reason given")],
    ) == (len(events), discharges, kept)
