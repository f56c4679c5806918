"""Identity on the real broker: twins with near names are never merged on a guess."""

from __future__ import annotations

import uuid
from pathlib import Path

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from synthetic.identifiers import make_upn
from tests.fixtures import native
from tests.integration.hub_harness import TopicSet, hub_app, run_worker

AVA_NHS = "9434765919"
EVA_UPN = make_upn("383", "2001", 19, 7)
# Ava, known to A&E by NHS number: the fixture's attendance with her name in PID-5.
AVA_A04 = native.HL7_GOOD_A04.replace("SMITH^JAMES", "SMITH^AVA").replace("|M|||", "|F|||")
# Eva, her twin, in a school register by UPN: no NHS number, same surname, birth date, postcode.
EVA_ABSENCE = (
    f"100001,Test Primary,{EVA_UPN},P7,Smith,Eva,2015-03-04,LS1 4AB,,"
    "2026-11-02,AM,N,,2026-11-02T09:30:00+00:00"
)


def _publish(bootstrap: str, topics: TopicSet, ledger: Path, agency: str, path: Path) -> None:
    with EventPublisher(bootstrap, ledger) as publisher:
        report = publisher.publish(agency, path, topics.agency(agency), ADAPTERS[agency].read(path))
    assert report.rejected == []


def test_twin_with_a_one_letter_different_name_waits_for_a_person(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """Eva's school record stays out of twin Ava's chronology and waits in the identity queue."""
    topics = TopicSet.fresh()
    ledger = tmp_path / "ledger.sqlite"
    ae = tmp_path / "ae.hl7"
    ae.write_text(AVA_A04, encoding="utf-8")
    _publish(kafka_bootstrap, topics, ledger, "ae", ae)
    group = f"g-{uuid.uuid4().hex}"
    run_worker(kafka_bootstrap, tmp_path / "hub", topics, group)
    school = tmp_path / "school.csv"
    school.write_text(native.SCHOOL_HEADER + "\n" + EVA_ABSENCE + "\n", encoding="utf-8")
    _publish(kafka_bootstrap, topics, ledger, "school", school)
    run_worker(kafka_bootstrap, tmp_path / "hub", topics, group)

    app = hub_app(tmp_path / "hub", worker=False)
    ava = app.find_child(f"nhs/{AVA_NHS}")
    assert ["unscheduled-care-arrival"] == [e.kind for e in ava.chronology()]
    assert f"upn/{EVA_UPN}" not in ava.identifier_keys()
    [case] = app.open_cases()
    assert (case.agency, [str(ava.id)]) == (
        "SCHOOL",
        [candidate["child_id"] for candidate in case.candidates],
    )
    assert "one letter" in case.reason
    assert [ava.id] == list(app.all_child_ids())
