"""A&E updates and cancellations in the hub: a change is an entry, a withdrawal is kept."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters import emergency_care
from adapters.envelope import event_id
from hub.alerts.escalation import entry_of
from hub.alerts.model import Recipient
from hub.alerts.store import Alert
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


def _redischarge() -> str:
    """The discharge after the A13: discharged again later, recorded later."""
    return (
        _corpus("a03_discharge_no_zsg.hl7")
        .replace("C0004", "C0006")
        .replace("20250115113200+0000", "20250115123200+0000")
        .replace("20250115113000-0000", "20250115123000-0000")
    )


def _corrected_arrival() -> str:
    """The A04 corrected: a safeguarding concern recorded, a new recorded time and control id."""
    return (
        _corpus("a04_register.hl7")
        .replace("C0002", "C0012")
        .replace("EVN|A04|20250115083512", "EVN|A04|20250115084000")
        .replace("ZSG|first|Y|N|N|N", "ZSG|first|Y|Y|N|N")
    )


def _kinds_and_marks(child: Child) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(kind, summary) of the active entries, and of the withdrawn or superseded ones."""
    active = [(e.kind, e.summary) for e in child.chronology()]
    kept = sorted((e.kind, e.summary) for e in child.withdrawn_entries)
    return active, kept


def test_a_discharge_after_a_cancelled_discharge_is_published_and_active(
    app: HubApplication, tmp_path: Path
) -> None:
    """A04, A03, A13, A03 again: the second discharge is its own record and stands."""
    text = _corpus("a04_register.hl7", "a03_discharge_no_zsg.hl7", "a13_cancel_discharge.hl7")
    values = _read(text + _redischarge(), tmp_path)
    assert 4 == len({CODEC.decode(v).record["envelope"]["event_id"] for v in values})
    _ingest(app, values)
    child = _child(app)
    [discharge] = [e for e in child.chronology() if e.kind == "unscheduled-care-discharge"]
    [cancelled] = child.withdrawn_entries
    assert ("2025-01-15T12:30:00+00:00", "2025-01-15T11:30:00+00:00") == (
        discharge.details["discharge_time"],
        cancelled.details["discharge_time"],
    )
    assert cancelled.summary.startswith("Withdrawn by the source (discharge cancelled")


def test_a_corrected_arrival_supersedes_the_original_which_is_kept_marked(
    app: HubApplication, tmp_path: Path
) -> None:
    """A second, different A04 for the visit: the correction is active, the original superseded."""
    values = _read(_corpus("a04_register.hl7") + _corrected_arrival(), tmp_path)
    _ingest(app, values)
    child = _child(app)
    [active] = child.chronology()
    [original] = child.withdrawn_entries
    assert (True, False, True, active.event_id) == (
        active.details["safeguarding_concern_raised"],
        original.details["safeguarding_concern_raised"],
        original.details["withdrawn"],
        original.details["superseded_by"],
    )
    assert original.summary.startswith("Superseded by the source (corrected: a later arrival")


def test_corrections_give_the_same_chronology_in_every_order_and_on_replay(
    tmp_path: Path,
) -> None:
    """A04, A03, A13, corrected A04, A03 again: every order, and twice over, agree."""
    names = ("a04_register.hl7", "a03_discharge_no_zsg.hl7", "a13_cancel_discharge.hl7")
    values = _read(_corpus(*names) + _corrected_arrival() + _redischarge(), tmp_path)
    outcomes = set()
    for order in itertools.permutations(values):
        app = HubApplication(env=ENV, decode_fact=FACTS.decode_fact)
        for value in order:
            _ingest(app, [value])
        outcomes.add(repr(_kinds_and_marks(_child(app))))
    replayed = HubApplication(env=ENV, decode_fact=FACTS.decode_fact)
    _ingest(replayed, values)
    _ingest(replayed, values)
    active, kept = _kinds_and_marks(_child(replayed))
    assert ({repr((active, kept))}, 2, 2) == (outcomes, len(active), len(kept))


def test_an_identical_resend_of_an_arrival_is_the_same_event(tmp_path: Path) -> None:
    """A new control id and message time only: same reference and event id (deduplicated)."""
    original = _corpus("a04_register.hl7")
    resent = original.replace("C0002", "C9002").replace("20250115083512||", "20250115093512||")
    path = tmp_path / "ae.hl7"
    path.write_text(original + resent + _corrected_arrival(), encoding="utf-8", newline="")
    ids = [e.event_id for e in emergency_care.parse_file(path, now=NOW).events]
    assert (3, 2, True) == (len(ids), len(set(ids)), ids[0] == ids[1])


def test_an_arrival_saying_what_the_active_one_says_adds_nothing(
    app: HubApplication, tmp_path: Path
) -> None:
    """The same arrival under another reference (an earlier adapter's): no entry, no mark."""
    [value] = _read(_corpus("a04_register.hl7"), tmp_path)
    record = CODEC.decode(value).record
    envelope = dict(record["envelope"], record_reference="RCP01/V2/A04")
    envelope["event_id"] = event_id("EMERGENCY_CARE", "RCP01", "RCP01/V2/A04")
    older = CODEC.encode("EmergencyAttendance", {**record, "envelope": envelope})
    _ingest(app, [older])
    version = _child(app).version
    _ingest(app, [value])
    assert (version, 1, []) == (
        _child(app).version,
        len(_child(app).chronology()),
        _child(app).withdrawn_entries,
    )


def _alert_about(event: str) -> Alert:
    """An alert raised on the entry with event id ``event`` (the rest does not matter here)."""
    recipient = Recipient("duty-team", "duty-team", "383", "local-authority", "duty")
    return Alert(
        "a", "a5", [], "c", None, recipient, "urgent", "h", None, {"event_id": event}, "", ""
    )


def test_an_alert_on_a_superseded_arrival_follows_the_correction(
    app: HubApplication, tmp_path: Path
) -> None:
    """Escalation reads the correction that replaced the entry; a cancelled one ends it."""
    values = _read(_corpus("a04_register.hl7") + _corrected_arrival(), tmp_path)
    _ingest(app, values)
    child = _child(app)
    [original] = child.withdrawn_entries
    [corrected] = child.chronology()
    assert corrected == entry_of(_alert_about(original.event_id), child)
    cancel = (
        _corpus("a04_register.hl7")
        .replace("ADT^A04^ADT_A01|C0002", "ADT^A11^ADT_A09|C0020")
        .replace("EVN|A04|20250115083512", "EVN|A11|20250115100000||01")
    )
    _ingest(app, _read(cancel, tmp_path))
    assert None is entry_of(_alert_about(original.event_id), _child(app))
