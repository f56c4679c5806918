"""Property: nothing the policy withholds ever leaves, and every decision is in the audit log."""

from __future__ import annotations

import json
import tempfile
import tomllib
from pathlib import Path
from typing import Any

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
    MINIMISED_DETAILS,
    MINIMISED_FIELDS,
    Recipient,
    decide,
    decide_under_break_glass,
    entry_facts,
    is_high_risk,
    render,
)
from hub.policy.loader import DEFAULT_POLICY, load_policy, parse_policy
from hub.policy.model import (
    PURPOSES,
    REDACTABLE_FIELDS,
    RELATIONSHIPS,
    ROLES,
    Disclosure,
    Policy,
)
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
    """Refused: nothing. Minimised, fact-only: only their fields. Sealing labels: refused."""
    decision = decide(POLICY, recipient, purpose, entry, entry_facts(entry, on_plan, looked_after))
    output = render(entry, decision)
    sealed = [
        label
        for label in entry.labels
        if label in POLICY.labels
        and POLICY.labels[label].withholds_entry
        and recipient.role not in POLICY.labels[label].allowed_roles
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
        assert set(output) <= allowed | {"disclosure", "summary", "details"}
        assert set(output.get("details", {})) <= set(MINIMISED_DETAILS)
        assert SECRET not in repr(output)
    assert "resolved_via" not in output


# Labels (I4). Every field a label may withhold carries a marker of its own in the
# generated entry, so a withheld field that leaves is found by its marker wherever it lands.
SHIPPED = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
TOP_LEVEL = ("summary", "source_reference", "source_organisation", "recorded_at", "event_id")
DETAIL_FIELDS = sorted(REDACTABLE_FIELDS - set(TOP_LEVEL) - {"labels"})
LABEL_NAMES = ["sexual-health", "shielded-address", "child-voice"]


def _marker(field: str, n: int) -> str:
    return f"<{field}:{n}>"


labelled_entries = st.builds(
    lambda n, kind, labels, risk: ChronologyEntry(
        event_id=_marker("event_id", n),
        agency="AGENCY",
        kind=kind,
        occurred_at="2026-11-20T10:00:00+00:00",
        recorded_at=_marker("recorded_at", n),
        summary=_marker("summary", n),
        source_organisation=_marker("source_organisation", n),
        source_reference=_marker("source_reference", n),
        labels=tuple(labels),
        details={"risk_level": risk, **{f: _marker(f, n) for f in DETAIL_FIELDS}},
    ),
    st.integers(0, 10**6),
    st.sampled_from(KINDS),
    st.lists(st.sampled_from([*LABEL_NAMES, "unknown-label"]), max_size=3, unique=True),
    st.sampled_from([None, "STANDARD", "MEDIUM", "HIGH"]),
)
label_specs = st.fixed_dictionaries(
    {
        "allowed_roles": st.lists(st.sampled_from(sorted(ROLES)), min_size=1, unique=True),
        "withholds": st.one_of(
            st.just("entry"),
            st.lists(st.sampled_from(sorted(REDACTABLE_FIELDS)), min_size=1, unique=True),
        ),
    }
)
# Recipients as the rules name them (so that rules match often), and any recipient at all.
rule_recipients = st.sampled_from(POLICY.rules).flatmap(
    lambda rule: st.builds(
        Recipient,
        st.just("r1"),
        st.sampled_from(sorted(rule.roles)),
        st.just("ORG"),
        st.just("type"),
        st.sampled_from(sorted(rule.relationships)),
    )
)
any_recipients = st.one_of(rule_recipients, recipients)
# The shipped policy, and the shipped rules under generated labels.
policies = st.one_of(
    st.just(POLICY),
    st.fixed_dictionaries({name: label_specs for name in LABEL_NAMES}).map(
        lambda labels: parse_policy({**SHIPPED, "labels": labels}, "generated")
    ),
)


def _strings(value: Any) -> list[str]:
    """Every string in a rendered output, keys and values, at any depth."""
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in [str(key), *_strings(item)]]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return [] if value is None else [str(value)]


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for item in value.values() for k in _keys(item)}
    if isinstance(value, list | tuple):
        return {k for item in value for k in _keys(item)}
    return set()


def _label_terms(policy: Policy, entry: ChronologyEntry, role: str) -> tuple[bool, set[str]]:
    """Whether a label seals the entry from ``role``, and the fields labels withhold from it."""
    applying = [
        policy.labels[name]
        for name in entry.labels
        if name in policy.labels and role not in policy.labels[name].allowed_roles
    ]
    sealed = any(label.withholds_entry for label in applying)
    withheld = {f for label in applying if not label.withholds_entry for f in label.fields}
    if not sealed and any(name not in policy.labels for name in entry.labels):
        withheld |= REDACTABLE_FIELDS  # a label the policy does not define fails closed on detail
    return sealed, withheld


def _assert_nothing_withheld_leaves(
    policy: Policy, entry: ChronologyEntry, role: str, output: dict[str, Any] | None
) -> None:
    sealed, withheld = _label_terms(policy, entry, role)
    if sealed:
        assert output is None
        return
    if output is None:
        return
    text = "\n".join(_strings(output))
    for field in withheld:
        value = entry.details[field] if field in entry.details else getattr(entry, field)
        if field != "labels":
            assert str(value) not in text, (field, output)
    assert not (withheld - {"summary"}) & _keys(output), output
    if "labels" in withheld:
        assert not any(name in text for name in entry.labels), output


@settings(max_examples=300)
@given(
    policies,
    labelled_entries,
    any_recipients,
    st.sampled_from(sorted(PURPOSES)),
    st.booleans(),
    st.booleans(),
)
def test_nothing_a_label_withholds_from_a_role_ever_leaves(
    policy: Policy,
    entry: ChronologyEntry,
    recipient: Recipient,
    purpose: str,
    on_plan: bool,
    looked_after: bool,
) -> None:
    """No field a label withholds from the role is anywhere in the output, details included."""
    decision = decide(policy, recipient, purpose, entry, entry_facts(entry, on_plan, looked_after))
    output = render(entry, decision)
    _assert_nothing_withheld_leaves(policy, entry, recipient.role, output)
    if output is not None:
        assert _label_terms(policy, entry, recipient.role)[1] == decision.withheld


@settings(max_examples=100)
@given(policies, labelled_entries, any_recipients)
def test_break_glass_never_opens_what_a_label_withholds(
    policy: Policy, entry: ChronologyEntry, recipient: Recipient
) -> None:
    """Emergency access gives the entry in full, but never a label's fields or sealed entries."""
    decision = decide_under_break_glass(policy, recipient, entry, "case-1")
    _assert_nothing_withheld_leaves(policy, entry, recipient.role, render(entry, decision))


@settings(max_examples=300)
@given(policies, labelled_entries, any_recipients, st.sampled_from(sorted(PURPOSES)))
def test_a_field_label_never_refuses_a_concern(
    policy: Policy, entry: ChronologyEntry, recipient: Recipient, purpose: str
) -> None:
    """Unless a label seals the entry, it changes what is shown, never whether or on what basis.

    So a high-risk concern reaches anyone with a relationship, with its fact intact.
    """
    if _label_terms(policy, entry, recipient.role)[0]:
        return
    facts = entry_facts(entry, False, False)  # rules may select by label: same facts for both
    unlabelled = ChronologyEntry(**{**entry.__dict__, "labels": ()})
    labelled = decide(policy, recipient, purpose, entry, facts)
    plain = decide(policy, recipient, purpose, unlabelled, facts)
    assert (plain.disclose, plain.rule_id, plain.lawful_basis) == (
        labelled.disclose,
        labelled.rule_id,
        labelled.lawful_basis,
    )
    if is_high_risk(entry) and recipient.relationship != "none":
        assert Disclosure.REFUSE != labelled.disclose
    output = render(entry, labelled)
    if output is None:
        return
    assert (entry.kind, entry.agency, entry.occurred_at[:10]) == (
        output["kind"],
        output["agency"],
        str(output["occurred_at"])[:10],
    )
    risk = entry.details["risk_level"]
    if risk is not None and labelled.disclose in (Disclosure.FULL, Disclosure.MINIMISED):
        assert risk == output["details"]["risk_level"]


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


# No deadline: the examples share one growing log, and verifying it checks the signature
# of every append group's tree head (about 0.1-0.3 ms each), so later examples are slower.
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
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
