"""Property: nothing the policy withholds ever leaves, and every decision is in the audit log."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters import emergency_care, police, social_care
from hub.application.disclosure import DisclosureService
from hub.application.hub_app import HubApplication, InboundMessage
from hub.audit.chain import AuditLog
from hub.domain.chronology import ChronologyEntry
from hub.ingest.decoding import FactCodec
from hub.policy.engine import (
    FACT_ONLY_FIELDS,
    MINIMISED_FIELDS,
    Recipient,
    decide,
    entry_facts,
    render,
)
from hub.policy.loader import load_policy
from hub.policy.model import PURPOSES, RELATIONSHIPS, ROLES, Disclosure
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures import native

POLICY = load_policy()
CODEC = SingleObjectCodec(default_catalogue())
FACTS = FactCodec()
KINDS = [
    "unscheduled-care-arrival",
    "unscheduled-care-discharge",
    "domestic-abuse-notification",
    "school-absence",
    "cp-status-plan-started",
    "cp-status-plan-ended",
    "cp-status-looked-after-started",
]
LABELS = ["sexual-health", "shielded-address", "child-voice", "unknown-label"]
SECRET = "SECRET-DETAIL-7f3a"

entries = st.builds(
    lambda n, kind, labels, risk, voice: ChronologyEntry(
        event_id=f"e{n}",
        agency="AGENCY",
        kind=kind,
        occurred_at="2026-11-20T10:00:00+00:00",
        recorded_at="2026-11-20T10:05:00+00:00",
        summary="factual summary",
        source_organisation="ORG",
        source_reference=f"REF-{SECRET}",
        labels=tuple(labels),
        details={"risk_level": risk, "voice": f"{SECRET} {voice}"},
    ),
    st.integers(0, 10**6),
    st.sampled_from(KINDS),
    st.lists(st.sampled_from(LABELS), max_size=2, unique=True),
    st.sampled_from([None, "STANDARD", "MEDIUM", "HIGH"]),
    st.text(max_size=10),
)
recipients = st.builds(
    Recipient,
    st.just("r1"),
    st.sampled_from(sorted(ROLES)),
    st.just("ORG"),
    st.just("type"),
    st.sampled_from(sorted(RELATIONSHIPS)),
)


@given(entries, recipients, st.sampled_from(sorted(PURPOSES)), st.booleans(), st.booleans())
def test_no_output_carries_what_the_decision_withholds(
    entry: ChronologyEntry, recipient: Recipient, purpose: str, on_plan: bool, looked_after: bool
) -> None:
    """Refused: nothing. Minimised, fact-only: only their fields. Sealed labels: refused."""
    decision = decide(POLICY, recipient, purpose, entry, entry_facts(entry, on_plan, looked_after))
    output = render(entry, decision)
    sealed = [
        label
        for label in entry.labels
        if label in POLICY.label_roles and recipient.role not in POLICY.label_roles[label]
    ]
    if sealed:
        assert output is None
    if output is None:
        assert Disclosure.REFUSE == decision.disclose
        return
    if decision.disclose is not Disclosure.FULL:
        allowed = set(
            MINIMISED_FIELDS if decision.disclose is Disclosure.MINIMISED else FACT_ONLY_FIELDS
        )
        assert set(output) <= allowed | {"disclosure", "summary"}
        assert SECRET not in repr(output)
    assert "resolved_via" not in output


def _hub_with_one_child() -> HubApplication:
    """A child on a plan with an A&E attendance and a high-risk police notification."""
    app = HubApplication(
        env={"PERSISTENCE_MODULE": "eventsourcing.popo"}, decode_fact=FACTS.decode_fact
    )
    files = {
        "cp.csv": (social_care, native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n"),
        "ae.hl7": (emergency_care, native.HL7_GOOD_A04 + native.HL7_GOOD_A03),
        "police.json": (
            police,
            json.dumps({"force": "WYP", "system": "NICHE", "notifications": [native.POLICE_GOOD]}),
        ),
    }
    offset = 0
    with tempfile.TemporaryDirectory() as directory:
        for name, (adapter, text) in files.items():
            path = Path(directory) / name
            path.write_text(text, encoding="utf-8")
            for event in adapter.parse_file(path).events:
                value = CODEC.encode(event.schema_name, event.record)
                app.ingest([InboundMessage("t", 0, offset, value, FACTS.decode_fact(value))], None)
                offset += 1
    return app


APP = _hub_with_one_child()
KEY = Ed25519PrivateKey.generate()


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recipients, st.sampled_from(sorted(PURPOSES)))
def test_every_decision_is_recorded_in_the_audit_log(
    tmp_path: Path, recipient: Recipient, purpose: str
) -> None:
    """One audit record per entry, share or refuse; shown entries match the recorded decisions."""
    log = AuditLog(tmp_path / "audit.sqlite", KEY)
    before = len(log.records("disclosure"))
    view = DisclosureService(APP, POLICY, log).chronology_for(recipient, purpose, "nhs/9434765919")
    recorded = log.records("disclosure")[before:]
    entries = APP.find_child("nhs/9434765919").chronology()
    assert [e.event_id for e in entries] == [r.payload["event_id"] for r in recorded]
    shared = [r for r in recorded if r.payload["decision"] != "refuse"]
    assert (len(shared), len(recorded) - len(shared)) == (len(view.entries), view.withheld)
    assert all(r.payload["reason"] and r.payload["policy_version"] for r in recorded)
    assert all(r.payload["lawful_basis"] for r in shared)
    assert log.verify(KEY.public_key()).ok
    log.close()
