"""Multiple births: HL7 PID-24/25 read, kept with the child, and never linked on names.

Twins share surname, date of birth and home; a typo can turn one twin's name into the
other's. A record or a child flagged as one of a multiple birth therefore never links
on an exact demographic match: it waits for a person, and identifiers decide.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path
from uuid import uuid4

from adapters import emergency_care
from hub.application.hub_app import InboundMessage
from hub.bootstrap import build_application
from hub.config import Settings
from hub.domain.identity import Candidate, Demographics, Outcome, decide
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from synthetic.config import GeneratorConfig
from synthetic.multiple_birth import birth_order, recorded_multiple_birth
from synthetic.world import build_world
from tests.fixtures import native

CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()
ANA = Demographics("Ana", "Chapman", "2013-07-21", "EQ1 2ZF")
# PID-11 is the last field of the fixture's PID segment; PID-24 and PID-25 follow.
PID_11 = "12 High Street^^Leeds^^ls14ab^GBR^H"


def _with_pid_24(indicator: str, order: str = "", mrn: str = "0042", visit: str = "V0001") -> str:
    return (
        native.HL7_GOOD_A04.replace(PID_11, PID_11 + "|" * 13 + f"{indicator}|{order}")
        .replace("9434765919^^^NHS^NH~", "")
        .replace("RXX01-0042", f"RXX01-{mrn}")
        .replace("V0001", visit)
        .replace("M1|P", f"M{visit}|P")
    )


def test_pid_24_and_25_are_read_and_checked(tmp_path: Path) -> None:
    """Y with a birth order is kept; an order of 0, or an order with N, is refused by field."""
    path = tmp_path / "ae.hl7"
    path.write_text(
        _with_pid_24("Y", "2")
        + _with_pid_24("Y", "0", visit="V2")
        + _with_pid_24("N", "1", visit="V3"),
        encoding="utf-8",
    )
    export = emergency_care.parse_file(path)
    [event] = export.events
    assert (True, 2) == (event.record["multiple_birth"], event.record["birth_order"])
    assert ["PID-25", "PID-25"] == [r.field for r in export.rejected]


def test_a_record_of_a_multiple_birth_never_links_on_names() -> None:
    """An exact, unique match waits for review when the record says it is one of twins."""
    candidate = Candidate(uuid4(), ANA)
    assert Outcome.MATCHED is decide(ANA, [candidate]).outcome
    twin = Demographics(**{**ANA.__dict__, "multiple_birth": True})
    decision = decide(twin, [candidate])
    assert Outcome.REVIEW is decision.outcome
    assert "multiple birth" in decision.reason


def test_a_child_known_as_one_of_twins_is_never_linked_on_names() -> None:
    """The candidate's flag is enough: a school record exactly like a known twin waits."""
    known_twin = Candidate(uuid4(), Demographics(**{**ANA.__dict__, "multiple_birth": True}))
    assert Outcome.REVIEW is decide(ANA, [known_twin]).outcome


def test_the_flag_is_kept_with_the_child_through_ingestion(tmp_path: Path) -> None:
    """A&E says twin; a later record from another hospital with the same details waits."""
    first = tmp_path / "a.hl7"
    first.write_text(_with_pid_24("Y", "1"), encoding="utf-8")
    plain = native.HL7_GOOD_A04.replace("9434765919^^^NHS^NH~", "").replace(
        "RXX01-0042^^^RXX01", "RYY02-7^^^RYY02"
    )
    second = tmp_path / "b.hl7"
    second.write_text(plain.replace("V0001", "V0009").replace("M1|P", "M9|P"), encoding="utf-8")
    app = build_application(Settings(data_dir=tmp_path, kafka_bootstrap="unused"), worker=True)
    outcomes = []
    try:
        for offset, path in enumerate((first, second)):
            [event] = emergency_care.parse_file(path).events
            value = CODEC.encode(event.schema_name, event.record)
            message = InboundMessage("t", 0, offset, value, FACTS.decode_fact(value))
            report = app.ingest([message], None)
            outcomes.append((report.new_children, report.queued_for_review))
    finally:
        app.close()
    assert [(1, 0), (0, 1)] == outcomes


def test_generated_twins_carry_pid_24_at_most_registrations() -> None:
    """Twins get birth orders 1 and 2; about nine in ten registrations hold the flag."""
    world = build_world(GeneratorConfig(20_000, 1, 3, date(2026, 11, 16), 0.05))
    multiples = [c for c in world.children if birth_order(world, c) is not None]
    assert len(multiples) > 200
    orders = Counter(birth_order(world, c) for c in multiples)
    assert orders[1] >= orders[2] > 0
    held = sum(1 for c in multiples if recorded_multiple_birth(world, c)[0])
    assert 0.8 < held / len(multiples) < 0.97
    singles = [c for c in world.children[:500] if birth_order(world, c) is None]
    assert all(recorded_multiple_birth(world, c) == (None, None) for c in singles)
