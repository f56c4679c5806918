"""An exact name match is not linked when the organisation numbers the child differently.

The hospital registered two patients, so they may be twins, whom a typo in a name can
make look like one child.
"""

from __future__ import annotations

from pathlib import Path

from adapters import emergency_care
from hub.application.hub_app import InboundMessage
from hub.bootstrap import build_application
from hub.config import Settings
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native

CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()


def _arrival(mrn: str, visit: str, given: str) -> str:
    """An A04 from RXX01 with no NHS number, for a child born 2015-03-04 at LS1 4AB."""
    return (
        native.HL7_GOOD_A04.replace("9434765919^^^NHS^NH~", "")
        .replace("RXX01-0042", f"RXX01-{mrn}")
        .replace("V0001", visit)
        .replace("SMITH^JAMES", f"SMITH^{given}")
        .replace("M1|P", f"M{visit}|P")
    )


def _ingest(tmp_path: Path, hl7: str) -> list[str]:
    """Ingest the messages one at a time; the outcome of each ("matched", "new", "review")."""
    path = tmp_path / "ae.hl7"
    path.write_text(hl7, encoding="utf-8")
    events = emergency_care.parse_file(path).events
    app = build_application(Settings(data_dir=tmp_path, kafka_bootstrap="unused"), worker=True)
    outcomes = []
    try:
        for offset, event in enumerate(events):
            value = CODEC.encode(event.schema_name, event.record)
            report = app.ingest(
                [InboundMessage("t", 0, offset, value, FACTS.decode_fact(value))], None
            )
            outcomes.append(
                "review"
                if report.queued_for_review
                else "new"
                if report.new_children
                else "matched"
            )
    finally:
        app.close()
    return outcomes


def test_same_hospital_other_patient_number_goes_to_review(tmp_path: Path) -> None:
    """Twin records from one hospital under two patient numbers are never merged on names."""
    hl7 = _arrival("0042", "V0001", "MIA") + _arrival("0043", "V0002", "MIA")
    assert ["new", "review"] == _ingest(tmp_path, hl7)


def test_same_hospital_same_patient_number_links(tmp_path: Path) -> None:
    """The same patient number is the same child: the identifier links it."""
    hl7 = _arrival("0042", "V0001", "MIA") + _arrival("0042", "V0002", "MIA")
    assert ["new", "matched"] == _ingest(tmp_path, hl7)
