"""Sensitivity labels redact fields, not concerns (I1, I4): what render() lets out."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path
from uuid import uuid4

from adapters import emergency_care, police, school, social_care
from hub.application.disclosure import disclosure_record
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditRecord
from hub.audit.fhir import audit_event
from hub.domain.chronology import ChronologyEntry
from hub.ingest.decoding import FactCodec
from hub.policy.engine import FACT_ONLY_SUMMARY, Recipient, decide, entry_facts, render
from hub.policy.loader import load_policy
from hub.policy.model import FACT_FIELDS, REDACTABLE_FIELDS, Disclosure
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native

POLICY = load_policy()
CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()
DSL = Recipient("dsl-1", "school-dsl", "107001", "school", "childs-school")
DESK = Recipient(
    "desk-1", "unscheduled-care-clinician", "RXX01", "unscheduled-care", "treating-clinician"
)
LEAD = Recipient("sw-1", "social-worker", "383", "local-authority", "lead-social-worker")
OPERATOR = Recipient("op-1", "hub-operator", "hub", "hub", "none")
# Not (yet) in a police entry: given here so that a leak of any of them would be seen.
PLACE = {"address": "9 Refuge Close", "postcode": "LS7 3QQ", "uprn": "100012347777"}


def _police_entry(
    labels: tuple[str, ...], risk: str = "HIGH", voice: str | None = None
) -> ChronologyEntry:
    details: dict[str, str | int | bool | None] = {
        "incident_reference": "WYP-1",
        "risk_level": risk,
        "perpetrator_relation": "PARENT_PARTNER",
        "present": True,
        "resident": True,
        "household_reference": "100012347777",
        **PLACE,
    }
    if voice:
        details["voice"] = voice
    return ChronologyEntry(
        event_id="e1",
        agency="POLICE",
        kind="domestic-abuse-notification",
        occurred_at="2026-11-18T21:00:00+00:00",
        recorded_at="2026-11-18T22:00:00+00:00",
        summary="Police domestic abuse notification WYP-1 at 9 Refuge Close: risk high",
        source_organisation="WYP",
        source_reference="WYP-1",
        labels=labels,
        details=details,
    )


def _shown(recipient: Recipient, entry: ChronologyEntry, purpose: str = "safeguarding") -> str:
    decision = decide(POLICY, recipient, purpose, entry, entry_facts(entry, True, False))
    return json.dumps(render(entry, decision))


def test_shielded_address_leaves_the_dsl_the_fact_of_the_concern() -> None:
    """Kind, date, agency, risk level, and the hub's own sentence in place of the summary."""
    entry = _police_entry(("shielded-address",))
    decision = decide(POLICY, DSL, "safeguarding", entry, entry_facts(entry, False, False))
    output = render(entry, decision) or {}
    assert {
        "kind": "domestic-abuse-notification",
        "occurred_at": "2026-11-18T21:00:00+00:00",
        "agency": "POLICE",
        "source_organisation": "WYP",
        "details": {"risk_level": "HIGH"},
        "disclosure": "minimised",
    } == {k: v for k, v in output.items() if k != "summary"}
    assert output["summary"].startswith("Domestic abuse notification recorded by POLICE")
    assert "risk level high" in output["summary"]


def test_shielded_fields_never_leave_even_in_full() -> None:
    """The hub operator sees entries in full, yet not a shielded address, reference or label."""
    text = _shown(OPERATOR, _police_entry(("shielded-address",)), "operations")
    for sealed in [*PLACE.values(), "WYP-1", "Refuge", "shielded-address", "household_reference"]:
        assert sealed not in text
    assert "PARENT_PARTNER" in text  # not a field the label withholds


def test_the_labels_own_role_sees_the_address() -> None:
    """The lead social worker, whom the label allows, gets the entry as it is."""
    text = _shown(LEAD, _police_entry(("shielded-address",)))
    assert "9 Refuge Close" in text and "WYP-1" in text


def test_a_label_the_policy_does_not_define_fails_closed_on_detail() -> None:
    """A misspelt label withholds every labelled field from every role, and IG reviews it.

    The social worker is included; the fact of the concern still passes.
    """
    entry = _police_entry(("shielded_adress",))
    for recipient in (LEAD, DSL):
        decision = decide(POLICY, recipient, "safeguarding", entry, entry_facts(entry, True, False))
        text = json.dumps(render(entry, decision))
        for sealed in [*PLACE.values(), "WYP-1", "Refuge", "PARENT_PARTNER"]:
            assert sealed not in text
        assert '"risk_level": "HIGH"' in text and "domestic-abuse-notification" in text
        assert decision.needs_review and "not defined by the policy" in decision.reason


def test_child_voice_withholds_the_words_not_the_concern() -> None:
    """The DSL is told of the incident, never what the child said."""
    entry = _police_entry(("child-voice",), voice="He shouts at mum every night")
    text = _shown(DSL, entry)
    assert "shouts" not in text and "HIGH" in text
    assert "shouts" not in _shown(OPERATOR, entry, "operations")


def test_fact_only_keeps_its_own_summary_under_a_label() -> None:
    """The desk's fact-only view of a shielded notification: date, kind, agency, nothing else."""
    entry = _police_entry(("shielded-address",))
    decision = decide(POLICY, DESK, "direct-care", entry, entry_facts(entry, False, False))
    assert {
        "occurred_at": "2026-11-18",
        "agency": "POLICE",
        "kind": "domestic-abuse-notification",
        "summary": FACT_ONLY_SUMMARY,
        "disclosure": "fact-only",
    } == render(entry, decision)
    assert decision.needs_contact


def test_sexual_health_seals_the_whole_entry() -> None:
    """Where the entry is itself the sensitive fact, roles outside the label get nothing."""
    entry = ChronologyEntry(
        event_id="e2",
        agency="EMERGENCY_CARE",
        kind="unscheduled-care-arrival",
        occurred_at="2026-11-18T10:00:00+00:00",
        recorded_at="2026-11-18T10:00:00+00:00",
        summary="Arrived at a sexual health clinic",
        source_organisation="RXX01",
        source_reference="V1",
        labels=("sexual-health",),
    )
    decision = decide(POLICY, DESK, "direct-care", entry, entry_facts(entry, False, False))
    assert (Disclosure.REFUSE, None) == (decision.disclose, render(entry, decision))


def _ingested_entries(tmp_path: Path) -> list[ChronologyEntry]:
    """Every agency's native record through the adapters and the hub, as children's entries.

    Emily is at James's address but not named by the police: she gets the notification
    through the household (P3), with the details that fan-out adds.
    """
    voiced = dict(native.POLICE_GOOD)
    voiced["children"] = [dict(native.POLICE_GOOD["children"][0], voice="words")]  # type: ignore[index]
    files = {
        "cp.csv": (social_care, native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n"),
        "school.csv": (
            school,
            native.SCHOOL_HEADER
            + "\n107001,Hill Top Primary,U383200115001,P-1,Smith,Emily,2017-06-01,LS1 4AB,"
            "100012345678,2026-11-16,AM,O,2,2026-11-16T10:00:00+00:00\n",
        ),
        "ae.hl7": (emergency_care, native.HL7_GOOD_A04 + native.HL7_GOOD_A03),
        "police.json": (
            police,
            json.dumps({"force": "WYP", "system": "NICHE", "notifications": [voiced]}),
        ),
    }
    app = HubApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, decode_fact=FACTS.decode_fact
    )
    offset = 0
    for name, (adapter, text) in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        export = adapter.parse_file(path)
        assert export.rejected == [], export.rejected
        for event in export.events:
            value = CODEC.encode(event.schema_name, event.record)
            app.ingest([InboundMessage("t", 0, offset, value, FACTS.decode_fact(value))], None)
            offset += 1
    return [entry for child_id in app.all_child_ids() for entry in app.get_child(child_id).entries]


def test_every_field_an_agency_record_becomes_is_known_to_the_labels(tmp_path: Path) -> None:
    """A new field in any entry must be named in the policy's vocabulary before it can leave.

    Otherwise a label could never be written to withhold it.
    """
    entries = _ingested_entries(tmp_path)
    assert {"EMERGENCY_CARE", "POLICE", "SCHOOL", "CHILDRENS_SOCIAL_CARE"} == {
        entry.agency for entry in entries
    }
    assert "household" in {entry.resolved_via for entry in entries}
    assert any("voice" in entry.details for entry in entries)
    named = {f.name for f in fields(ChronologyEntry)} - {"details", "resolved_via"}
    for entry in entries:
        named |= set(entry.details)
    assert set() == named - REDACTABLE_FIELDS - FACT_FIELDS


def test_fhir_audit_event_names_the_fields_a_label_withheld() -> None:
    """The IG lead's FHIR export says which fields each label kept back, as the audit does."""
    entry = _police_entry(("shielded-address",))
    decision = decide(POLICY, DSL, "safeguarding", entry, entry_facts(entry, False, False))
    payload = disclosure_record(
        POLICY,
        DSL,
        "safeguarding",
        uuid4(),
        entry.event_id,
        entry.kind,
        ["shielded-address"],
        decision,
    )
    event = audit_event(AuditRecord(1, "2026-11-18T22:00:00+00:00", "disclosure", payload, "", "h"))
    details = {d["type"]: d["valueString"] for d in event["entity"][1]["detail"]}
    withheld = details["withheld-by-label:shielded-address"].split(", ")
    assert {"address", "postcode", "uprn", "summary", "incident_reference"} <= set(withheld)
