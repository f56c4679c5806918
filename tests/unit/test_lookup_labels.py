"""The A&E lookup under sensitivity labels: built from render(), so labels hold at the desk."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters import emergency_care, police
from adapters.records import ParsedExport
from hub.access.organisations import OrganisationDirectory
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditLog
from hub.lookup.answer import LookupAnswer
from hub.lookup.service import ChildLookupService, LookupQuery
from hub.policy.loader import DEFAULT_POLICY, load_policy, parse_policy
from hub.policy.model import Policy
from tests.fixtures import native
from tests.fixtures.lookup_world import (
    CODEC,
    DESK,
    FACTS,
    NOW,
    OLIVER,
    ORGANISATIONS_CSV,
    attendance,
    load_world,
)

SHIELDED_ADDRESS = "3 Safe House Lane, Leeds"


def _ingest(app: HubApplication, export: ParsedExport, start: int) -> None:
    assert export.rejected == [], export.rejected
    for offset, event in enumerate(export.events, start=start):
        value = CODEC.encode(event.schema_name, event.record)
        app.ingest([InboundMessage("t", 0, offset, value, FACTS.decode_fact(value))], None)


def _world(tmp_path: Path) -> HubApplication:
    """The lookup world, and a shielded attendance and police notification for Oliver."""
    app = HubApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, decode_fact=FACTS.decode_fact
    )
    load_world(app, tmp_path)
    hl7 = tmp_path / "shielded.hl7"
    shielded = attendance(OLIVER, "V1900", "202611170900", gp="B86002")
    hl7.write_text(shielded.replace("ZSG|first|Y|Y|N|N", "ZSG|first|Y|Y|N|N|shielded-address"))
    _ingest(app, emergency_care.parse_file(hl7, now=NOW), 500)
    notification = dict(
        native.POLICE_GOOD,
        incident_reference="WYP-20261116-000900",
        incident_time="2026-11-16T22:00:00+00:00",
        recorded_time="2026-11-16T23:00:00+00:00",
        location={"uprn": "100012340900", "address": SHIELDED_ADDRESS, "postcode": "LS2 7EE"},
        sensitivity_labels=["shielded-address"],
        children=[
            {
                "person_reference": "WYP-P-900",
                "nhs_number": OLIVER.nhs,
                "given_name": OLIVER.given,
                "family_name": OLIVER.family,
                "date_of_birth": OLIVER.dob,
                "present": True,
                "resident": True,
                "voice": None,
            }
        ],
    )
    police_file = tmp_path / "shielded.json"
    police_file.write_text(
        json.dumps({"force": "WYP", "system": "NICHE", "notifications": [notification]})
    )
    _ingest(app, police.parse_file(police_file, now=NOW), 600)
    return app


def _lookup(tmp_path: Path, policy: Policy) -> LookupAnswer:
    app = _world(tmp_path)
    audit = AuditLog(tmp_path / "audit.sqlite", Ed25519PrivateKey.generate())
    try:
        service = ChildLookupService(
            app, policy, audit, OrganisationDirectory.parse(ORGANISATIONS_CSV), lambda: NOW
        )
        return service.lookup(DESK, LookupQuery(nhs_number=OLIVER.nhs))
    finally:
        audit.close()


def test_desk_sees_shielded_entries_as_facts_not_as_withheld(tmp_path: Path) -> None:
    """The shielded attendance (site kept) and police concern (fact) are shown; none withheld."""
    answer = _lookup(tmp_path, load_policy())
    assert 0 == answer.withheld
    assert ("2026-11-17", "RXX01") == (answer.attendances[0].date, answer.attendances[0].site_code)
    [police_cue] = [c for c in answer.cues if c.code == "police-notification-at-home"]
    assert "fact-only" == police_cue.disclosure
    assert "2026-11-16" in police_cue.description
    assert answer.contact is not None  # whom to ask about the concern
    assert "Safe House" not in repr(answer) and "WYP-20261116" not in repr(answer)


def test_a_field_a_label_withholds_never_reaches_the_desk(tmp_path: Path) -> None:
    """Under a policy whose label withholds the site, the desk gets the date without the site."""
    shipped = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    labels = dict(shipped["labels"])
    labels["shielded-address"] = {
        "allowed_roles": ["social-worker"],
        "withholds": ["site_code", "site_type", "summary"],
    }
    answer = _lookup(tmp_path, parse_policy({**shipped, "labels": labels}))
    shielded = [a for a in answer.attendances if a.date == "2026-11-17"]
    assert [("", "", "")] == [(a.site_code, a.site_name, a.site_type) for a in shielded]
    assert 0 == answer.withheld
