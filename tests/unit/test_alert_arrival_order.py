"""Property: a generated multi-agency day raises the same alerts whatever order it arrives in.

``hub generate`` writes a population, its children's social care baseline and a
day of A&E, police, school and plan-status feeds. The baseline is loaded first (as
in life); the day's records are then delivered to the hub, through the real
adapters, codecs, SQLite event store and alert raiser, in event-time order and in
many random arrival orders and batch splits, including every plan record last. The
alerts standing at the end (not superseded by a better-routed one) must be the same
set each time: rules are judged on event time, a late record re-judges what it can
complete, and deterministic ids keep re-judging from alerting twice.

Identity resolution is the one thing allowed to depend on arrival order: a record
whose name is spelt differently is held for review when it arrives second, and
creates the child when it arrives first. Alerts are therefore compared for the
children whose chronology holds the same records in both runs, and those must be
nearly every child the day touched.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.registry import ADAPTERS
from hub.access.organisations import OrganisationDirectory
from hub.alerts.assembly import assemble_raiser
from hub.alerts.postcode_areas import PostcodeAreas
from hub.alerts.rules_loader import load_alert_rules
from hub.alerts.store import AlertStore
from hub.application.hub_app import InboundMessage
from hub.audit.chain import AuditLog
from hub.bootstrap import build_application
from hub.calendar.school_day import SchoolCalendar
from hub.config import Settings
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from synthetic.config import GeneratorConfig
from synthetic.writer import generate

CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()
DAY = date(2026, 11, 17)  # a Tuesday in term time
DAY_FILES = (
    ("csc", "cp-plans.csv"),
    ("ae", "ae.hl7"),
    ("police", "police.json"),
    ("school", "school-attendance.csv"),
)
AlertKey = tuple[str, frozenset[str], str, str]


@dataclass(frozen=True)
class Outcome:
    alerts: set[AlertKey]
    chronologies: set[frozenset[str]]  # each child's entries' event ids and identifiers


@dataclass(frozen=True)
class Record:
    agency: str
    occurred_at: str
    event_id: str
    value: bytes


@dataclass(frozen=True)
class Day:
    reference: Path
    baseline: list[Record]
    records: list[Record]


def _records(agency: str, path: Path) -> list[Record]:
    export = ADAPTERS[agency].read(path)
    assert not export.rejected, [r.describe() for r in export.rejected[:3]]
    found = []
    for event in export.events:
        envelope = event.record["envelope"]
        found.append(
            Record(
                agency,
                str(envelope["occurred_at"]),
                str(envelope["event_id"]),
                CODEC.encode(event.schema_name, event.record),
            )
        )
    return found


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Day:
    """A generated population with a baseline and one day of every agency's feeds."""
    return _generated(tmp_path_factory.mktemp("generated"), GeneratorConfig(3000, 1, 11, DAY))


def _generated(out: Path, config: GeneratorConfig) -> Day:
    """Generate ``config`` into ``out`` and read back its baseline and daily records."""
    generate(config, out, now=datetime(2026, 12, 1, tzinfo=UTC))
    baseline = _records("csc", out / "baseline" / "cp-plans.csv")
    records = [
        record
        for day_dir in sorted(out.glob("day-*"))
        for agency, name in DAY_FILES
        if (day_dir / name).exists()
        for record in _records(agency, day_dir / name)
    ]
    return Day(out / "reference", baseline, records)


def _messages(records: list[Record], start: int) -> list[InboundMessage]:
    return [
        InboundMessage(r.agency, 0, start + i, r.value, FACTS.decode_fact(r.value))
        for i, r in enumerate(records)
    ]


def _deliver(day: Day, root: Path, batches: list[list[Record]]) -> Outcome:
    """Load the baseline, deliver ``batches`` raising alerts after each; the standing alerts."""
    app = build_application(Settings(data_dir=root, kafka_bootstrap="unused"), worker=True)
    store = AlertStore(root / "alerts.sqlite")
    audit = AuditLog(root / "audit.sqlite", Ed25519PrivateKey.generate())
    end_of_day = datetime.combine(DAY + timedelta(days=1), datetime.min.time(), UTC)
    raiser = assemble_raiser(
        app,
        store,
        audit,
        OrganisationDirectory.parse(
            (day.reference / "organisations.csv").read_text(encoding="utf-8")
        ),
        SchoolCalendar.from_typical_terms(range(2025, 2028)),
        postcode_areas=PostcodeAreas.parse(
            (day.reference / "postcode-areas.csv").read_text(encoding="utf-8")
        ),
        operator_email="operator@hub.example",
        clock=lambda: end_of_day,
        max_age=timedelta(days=3650),  # the generated day is in the past; none of it is history
    )
    try:
        offset = 0
        for batch in [day.baseline, *batches]:
            app.ingest(_messages(batch, offset), None)
            offset += len(batch)
            while raiser.raise_pending(limit=250) or raiser.last_page_size:
                pass
        alerts = {_key(app, alert) for alert in store.select("superseded_by IS NULL")}
        chronologies = {_records_of(app.get_child(child_id)) for child_id in _children(app)}
        return Outcome(alerts, chronologies)
    finally:
        store.close()
        audit.close()
        app.close()


def _key(app: Any, alert: Any) -> AlertKey:
    """(rule, child, occurrence, recipient), the child named by the records in its chronology."""
    child = app.get_child(UUID(alert.child_id))
    return (alert.rule_id, _records_of(child), alert.routing["occurrence"], alert.recipient.key)


def _records_of(child: Any) -> frozenset[str]:
    """The child's entries' event ids and national identifiers: the child, whatever its id.

    The identifiers tell apart siblings whose only entry is the same household notification
    (pupils whose register marks are roll evidence, not entries).
    """
    return frozenset(
        [entry.event_id for entry in child.entries]
        + [key for key in child.identifier_keys() if key.startswith(("nhs/", "upn/"))]
    )


def _children(app: Any) -> set[UUID]:
    """Every child with an entry in the event store's notification log."""
    found: set[UUID] = set()
    start = 1
    while page := app.recorder.select_notifications(start=start, limit=5000):
        found |= {UUID(str(n.originator_id)) for n in page if n.topic.endswith("EntryRecorded")}
        start = page[-1].id + 1
    return found


def _split(records: list[Record], rng: random.Random) -> list[list[Record]]:
    batches, start = [], 0
    while start < len(records):
        size = rng.randint(1, 120)
        batches.append(records[start : start + size])
        start += size
    return batches


def _time_order(records: list[Record]) -> list[Record]:
    return sorted(records, key=lambda r: (r.occurred_at, r.event_id))


Order = Callable[[list[Record], random.Random], list[Record]]


def _shuffled(records: list[Record], rng: random.Random) -> list[Record]:
    return rng.sample(records, len(records))


def _plans_last(records: list[Record], rng: random.Random) -> list[Record]:
    others = [r for r in records if r.agency != "csc"]
    return [*rng.sample(others, len(others)), *[r for r in records if r.agency == "csc"]]


def _reversed(records: list[Record], _: random.Random) -> list[Record]:
    return list(reversed(_time_order(records)))


@pytest.fixture(scope="module")
def in_time_order(day: Day, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    rng = random.Random(0)
    return _deliver(
        day, tmp_path_factory.mktemp("time-order"), _split(_time_order(day.records), rng)
    )


def test_the_generated_day_raises_alerts_of_several_kinds(day: Day, in_time_order: Outcome) -> None:
    """The property below is not vacuous: the day holds plan records and raises many alerts."""
    assert any(r.agency == "csc" for r in day.records)
    rules = {key[0] for key in in_time_order.alerts}
    assert len(in_time_order.alerts) >= 20, len(in_time_order.alerts)
    assert len(rules) >= 4, rules


@pytest.mark.parametrize(
    ("order", "seed"),
    [
        (_shuffled, 1),
        (_shuffled, 2),
        (_shuffled, 3),
        (_plans_last, 4),
        (_plans_last, 5),
        (_reversed, 6),
    ],
)
def test_any_arrival_order_and_batching_raises_the_same_alerts(
    day: Day, in_time_order: Outcome, tmp_path: Path, order: Order, seed: int
) -> None:
    """Random orders, plans last, or newest first, in random batches: the same standing alerts."""
    rng = random.Random(seed)
    delivered = _deliver(day, tmp_path, _split(order(day.records, rng), rng))
    same = in_time_order.chronologies & delivered.chronologies
    differ = in_time_order.chronologies ^ delivered.chronologies
    assert len(differ) <= 0.02 * len(same), (len(differ), len(same))  # identity, see above
    expected = {key for key in in_time_order.alerts if key[1] in same}
    found = {key for key in delivered.alerts if key[1] in same}
    assert len(expected) >= 0.95 * len(in_time_order.alerts)
    assert expected == found, (
        [(k[0], k[2], k[3]) for k in sorted(expected - found)[:5]],
        [(k[0], k[2], k[3]) for k in sorted(found - expected)[:5]],
    )


@pytest.fixture(scope="module")
def three_days(tmp_path_factory: pytest.TempPathFactory) -> Day:
    """A generated population with a baseline and three days of every agency's feeds."""
    config = GeneratorConfig(3000, 3, 5, date(2026, 11, 16))
    return _generated(tmp_path_factory.mktemp("generated-3"), config)


@pytest.mark.parametrize("order", [_plans_last, _reversed])
def test_over_several_days_no_arrival_order_loses_an_alert(
    three_days: Day, tmp_path: Path, order: Order
) -> None:
    """Over three days, late records never cost an alert that time order raises.

    They can add one: an attendance that arrives before the record of a plan that had
    already ended is judged on the plan as the hub knew it, and an alert once sent is
    not taken back. Only rules that depend on the child's status can add one this way.
    """
    rules = {rule.id: rule for rule in load_alert_rules().rules}
    rng = random.Random(7)
    in_order = _deliver(three_days, tmp_path / "time", _split(_time_order(three_days.records), rng))
    delivered = _deliver(three_days, tmp_path / "late", _split(order(three_days.records, rng), rng))
    same = in_order.chronologies & delivered.chronologies
    expected = {key for key in in_order.alerts if key[1] in same}
    found = {key for key in delivered.alerts if key[1] in same}
    assert len(expected) >= 15
    assert [] == sorted((k[0], k[2], k[3]) for k in expected - found)
    assert all(rules[key[0]].child_status != "any" for key in found - expected)
