"""A&E updates and cancellations in the hub: a change is an entry, a withdrawal is kept."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters import emergency_care
from hub.application.hub_app import HubApplication, InboundMessage
from hub.domain.child import Child
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec

CORPUS = Path(__file__).parent.parent / "fixtures" / "hl7"
CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()
ENV = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def app() -> HubApplication:
    return HubApplication(env=ENV, decode_fact=FACTS.decode_fact)


def _read(text: str, tmp_path: Path) -> list[bytes]:
    path = tmp_path / "ae.hl7"
    path.write_text(text, encoding="utf-8", newline="")
    export = emergency_care.parse_file(path, now=NOW)
    assert [] == export.rejected
    return [CODEC.encode(e.schema_name, e.record) for e in export.events]


def _corpus(*names: str) -> str:
    return "".join((CORPUS / name).read_bytes().decode() for name in names)


def _ingest(app: HubApplication, values: list[bytes]) -> None:
    offset = 1000 + sum(1 for _ in app.all_child_ids()) * 100
    messages = [
        InboundMessage("t", 0, offset + i, v, FACTS.decode_fact(v)) for i, v in enumerate(values)
    ]
    app.ingest(messages, None)


def _child(app: HubApplication) -> Child:
    return app.find_child("local/EMERGENCY_CARE/RCP01/RCP01-000777")


def test_an_update_that_changes_a_flag_is_a_new_entry(app: HubApplication, tmp_path: Path) -> None:
    """A04 then an A08 adding concern and refusal: two entries, the second with the flags."""
    _ingest(app, _read(_corpus("a04_register.hl7", "a08_update.hl7"), tmp_path))
    entries = _child(app).chronology()
    assert (["unscheduled-care-arrival", "unscheduled-care-update"], True) == (
        [e.kind for e in entries],
        entries[1].details["examination_refused"],
    )


def test_an_update_that_changes_nothing_adds_no_entry(app: HubApplication, tmp_path: Path) -> None:
    """An A08 whose flags equal the arrival's is published but is no new chronology entry."""
    same = _corpus("a08_update.hl7").replace("ZSG|first|Y|Y|N|Y", "ZSG|first|Y|N|N|N")
    _ingest(app, _read(_corpus("a04_register.hl7") + same, tmp_path))
    assert ["unscheduled-care-arrival"] == [e.kind for e in _child(app).chronology()]


def test_distinct_updates_have_distinct_ids_and_a_resend_the_same(tmp_path: Path) -> None:
    """A re-send with a new control id and time is the same event; a changed update is not."""
    update = _corpus("a08_update.hl7")
    resent = update.replace("C0003", "C9999").replace("20250115101001+0100", "20250115111001+0100")
    changed = update.replace("ZSG|first|Y|Y|N|Y", "ZSG|first|Y|Y|Y|Y")
    path = tmp_path / "ae.hl7"
    path.write_text(update + resent + changed, encoding="utf-8", newline="")
    ids = [e.event_id for e in emergency_care.parse_file(path, now=NOW).events]
    assert (3, 2) == (len(ids), len(set(ids)))


def test_a_cancelled_discharge_is_withdrawn_not_deleted(
    app: HubApplication, tmp_path: Path
) -> None:
    """After an A13 the discharge leaves the active chronology and is kept, marked, with why."""
    files = ("a04_register.hl7", "a03_discharge_no_zsg.hl7", "a13_cancel_discharge.hl7")
    _ingest(app, _read(_corpus(*files), tmp_path))
    child = _child(app)
    [withdrawn] = [e for e in child.chronology(with_withdrawn=True) if e.details.get("withdrawn")]
    assert (
        ["unscheduled-care-arrival"],
        "unscheduled-care-discharge",
        "discharge cancelled: patient request",
    ) == (
        [e.kind for e in child.chronology()],
        withdrawn.kind,
        withdrawn.details["withdrawn_reason"],
    )
    assert withdrawn.summary.startswith("Withdrawn by the source (discharge cancelled")


def test_a_cancellation_that_arrives_first_still_withdraws(
    app: HubApplication, tmp_path: Path
) -> None:
    """The A11 reaches the hub before the A01 it cancels: the arrival is recorded withdrawn."""
    _ingest(app, _read(_corpus("a11_cancel_admit.hl7"), tmp_path))
    _ingest(app, _read(_corpus("a01_admit_no_zsg.hl7"), tmp_path))
    child = app.find_child("nhs/9434765919")
    assert ([], ["unscheduled-care-arrival"]) == (
        child.chronology(),
        [e.kind for e in child.withdrawn_entries],
    )


def test_a_withdrawal_delivered_twice_is_recorded_once(app: HubApplication, tmp_path: Path) -> None:
    """The cancellation's event id is remembered: a second delivery changes nothing."""
    values = _read(_corpus("a01_admit_no_zsg.hl7", "a11_cancel_admit.hl7"), tmp_path)
    _ingest(app, values)
    version = app.find_child("nhs/9434765919").version
    _ingest(app, values[1:])
    assert version == app.find_child("nhs/9434765919").version
