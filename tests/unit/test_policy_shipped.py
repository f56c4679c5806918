"""The shipped sharing policy, table-driven: each agency's event kinds against each role."""

from __future__ import annotations

import pytest

from hub.domain.chronology import ChronologyEntry
from hub.policy.engine import Recipient, decide, entry_facts
from hub.policy.loader import load_policy
from hub.policy.model import PURPOSES, RELATIONSHIPS, ROLES, ChildFacts, Disclosure

POLICY = load_policy()

FULL, MINIMISED, FACT, REFUSE = (
    Disclosure.FULL,
    Disclosure.MINIMISED,
    Disclosure.FACT_ONLY,
    Disclosure.REFUSE,
)


def _entry(kind: str, risk: str | None = None, labels: tuple[str, ...] = ()) -> ChronologyEntry:
    details: dict[str, str | int | bool | None] = {"risk_level": risk} if risk else {}
    return ChronologyEntry(
        event_id="e1",
        agency="X",
        kind=kind,
        occurred_at="2026-11-20T10:00:00+00:00",
        recorded_at="2026-11-20T10:05:00+00:00",
        summary="summary",
        source_organisation="ORG",
        source_reference="REF",
        labels=labels,
        details=details,
    )


CASES = [
    # role, relationship, purpose, kind, risk, labels, expected
    # A rule selecting by label: the school nurse gets labelled attendances only.
    (
        "school-nurse",
        "childs-school",
        "direct-care",
        "unscheduled-care-arrival",
        None,
        ("sexual-health",),
        MINIMISED,
    ),
    ("school-nurse", "childs-school", "direct-care", "unscheduled-care-arrival", None, (), REFUSE),
    # The lookup's synthetic kinds and the front door / referrer rules (A5-A7, C5, R1).
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "sibling-unscheduled-care-arrival",
        None,
        (),
        MINIMISED,
    ),
    ("gp", "registered-gp", "direct-care", "sibling-unscheduled-care-arrival", None, (), REFUSE),
    (
        "social-worker",
        "front-door",
        "safeguarding",
        "unscheduled-care-arrival",
        None,
        (),
        MINIMISED,
    ),
    ("school-dsl", "referrer", "referral-feedback", "cp-status-plan-started", None, (), MINIMISED),
    ("school-dsl", "referrer", "referral-feedback", "school-absence", None, (), REFUSE),
    (
        "social-worker",
        "lead-social-worker",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        (),
        FULL,
    ),
    ("social-worker", "lead-social-worker", "safeguarding", "school-absence", None, (), FULL),
    ("social-worker", "none", "safeguarding", "school-absence", None, (), REFUSE),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "unscheduled-care-arrival",
        None,
        (),
        MINIMISED,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "cp-status-plan-started",
        None,
        (),
        MINIMISED,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "domestic-abuse-notification",
        "HIGH",
        (),
        FACT,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "school-absence",
        None,
        (),
        REFUSE,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "safeguarding",
        "unscheduled-care-arrival",
        None,
        (),
        REFUSE,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        (),
        MINIMISED,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "MEDIUM",
        (),
        MINIMISED,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "STANDARD",
        (),
        FACT,
    ),
    ("school-dsl", "childs-school", "safeguarding", "cp-status-plan-ended", None, (), MINIMISED),
    ("school-dsl", "childs-school", "safeguarding", "unscheduled-care-arrival", None, (), REFUSE),
    ("school-dsl", "childs-school", "referral-feedback", "school-absence", None, (), FULL),
    ("school-dsl", "none", "safeguarding", "domestic-abuse-notification", "HIGH", (), REFUSE),
    ("gp", "registered-gp", "direct-care", "cp-status-plan-started", None, (), MINIMISED),
    ("gp", "registered-gp", "direct-care", "unscheduled-care-discharge", None, (), MINIMISED),
    ("gp", "registered-gp", "direct-care", "domestic-abuse-notification", "HIGH", (), FACT),
    ("gp", "registered-gp", "direct-care", "domestic-abuse-notification", "MEDIUM", (), REFUSE),
    ("police-officer", "none", "safeguarding", "domestic-abuse-notification", "HIGH", (), REFUSE),
    ("police-officer", "none", "safeguarding", "school-absence", None, (), REFUSE),
    (
        "gp",
        "registered-gp",
        "direct-care",
        "unscheduled-care-arrival",
        None,
        ("sexual-health",),
        MINIMISED,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "unscheduled-care-arrival",
        None,
        ("sexual-health",),
        REFUSE,
    ),
    (
        "social-worker",
        "lead-social-worker",
        "safeguarding",
        "unscheduled-care-arrival",
        None,
        ("sexual-health",),
        REFUSE,
    ),
    # Field labels (I4): the child's words and a shielded address are withheld, the
    # concern is not; a label sealing the whole entry still refuses it.
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        ("child-voice",),
        MINIMISED,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address",),
        MINIMISED,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "STANDARD",
        ("shielded-address",),
        FACT,
    ),
    (
        "unscheduled-care-clinician",
        "treating-clinician",
        "direct-care",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address",),
        FACT,
    ),
    (
        "gp",
        "registered-gp",
        "direct-care",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address",),
        FACT,
    ),
    (
        "gp",
        "registered-gp",
        "direct-care",
        "domestic-abuse-notification",
        "MEDIUM",
        ("shielded-address",),
        REFUSE,
    ),
    (
        "school-dsl",
        "none",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address",),
        REFUSE,
    ),
    (
        "school-dsl",
        "childs-school",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        ("sexual-health",),
        REFUSE,
    ),
    (
        "hub-operator",
        "none",
        "operations",
        "unscheduled-care-arrival",
        None,
        ("sexual-health",),
        REFUSE,
    ),
    (
        "hub-operator",
        "none",
        "operations",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address", "child-voice"),
        FULL,
    ),
    (
        "social-worker",
        "lead-social-worker",
        "safeguarding",
        "domestic-abuse-notification",
        "HIGH",
        ("shielded-address",),
        FULL,
    ),
]


@pytest.mark.parametrize(
    ("role", "relationship", "purpose", "kind", "risk", "labels", "expected"), CASES
)
def test_shipped_policy_decides_as_the_table_says(
    role: str,
    relationship: str,
    purpose: str,
    kind: str,
    risk: str | None,
    labels: tuple[str, ...],
    expected: Disclosure,
) -> None:
    """Each role, relationship, purpose and kind gets the disclosure level the table gives."""
    recipient = Recipient("r1", role, "ORG", "type", relationship)
    entry = _entry(kind, risk, labels)
    decision = decide(POLICY, recipient, purpose, entry, entry_facts(entry, True, False))
    assert expected == decision.disclose
    if expected is REFUSE:
        assert decision.reason and decision.lawful_basis is None
    else:
        assert decision.lawful_basis in POLICY.lawful_bases and decision.rule_id


def test_every_decision_names_the_policy_version() -> None:
    """Decisions carry the policy version they were made under."""
    recipient = Recipient("r1", "gp", "ORG", "type", "registered-gp")
    entry = _entry("cp-status-plan-started")
    assert (
        POLICY.version
        == decide(
            POLICY, recipient, "direct-care", entry, entry_facts(entry, True, False)
        ).policy_version
    )


def test_fail_safe_shares_the_fact_of_a_high_risk_concern_and_asks_for_review() -> None:
    """I1: a GP with no rule for police notifications still learns a high-risk concern exists."""
    recipient = Recipient("r1", "gp", "ORG", "type", "registered-gp")
    entry = _entry("domestic-abuse-notification", "HIGH")
    decision = decide(POLICY, recipient, "direct-care", entry, entry_facts(entry, False, False))
    assert (FACT, "fail-safe-I1", True) == (
        decision.disclose,
        decision.rule_id,
        decision.needs_review,
    )


def test_fail_safe_never_opens_a_sealed_label() -> None:
    """A label sealing the whole entry holds even for a high-risk concern; IG reviews it."""
    recipient = Recipient("r1", "school-dsl", "ORG", "type", "childs-school")
    entry = _entry("domestic-abuse-notification", "HIGH", ("sexual-health",))
    decision = decide(POLICY, recipient, "safeguarding", entry, entry_facts(entry, False, False))
    assert (REFUSE, True) == (decision.disclose, decision.needs_review)


def test_each_shipped_label_says_explicitly_what_it_withholds() -> None:
    """sexual-health seals the entry; shielded-address and child-voice withhold fields."""
    labels = POLICY.labels
    assert (True, False, False) == (
        labels["sexual-health"].withholds_entry,
        labels["shielded-address"].withholds_entry,
        labels["child-voice"].withholds_entry,
    )
    assert {"address", "postcode", "uprn", "household_reference", "summary"} <= labels[
        "shielded-address"
    ].fields
    assert {"voice", "summary"} <= labels["child-voice"].fields


def test_shielded_address_decision_records_the_withheld_fields_and_why() -> None:
    """The DSL's decision keeps its rule and basis, and names the label and its fields."""
    recipient = Recipient("r1", "school-dsl", "ORG", "type", "childs-school")
    entry = _entry("domestic-abuse-notification", "HIGH", ("shielded-address",))
    decision = decide(POLICY, recipient, "safeguarding", entry, entry_facts(entry, False, False))
    assert "school-dsl-told-of-medium-and-high-risk-incidents" == decision.rule_id
    assert ["shielded-address"] == [label for label, _ in decision.withheld_fields]
    assert {"address", "postcode", "summary"} <= decision.withheld
    assert "shielded-address" in decision.reason and "postcode" in decision.reason
    assert decision.needs_contact and not decision.needs_review


def test_fail_safe_shares_a_shielded_high_risk_concern_without_its_fields() -> None:
    """I1 under a field label: the GP learns the fact, the label's fields stay withheld."""
    recipient = Recipient("r1", "gp", "ORG", "type", "registered-gp")
    entry = _entry("domestic-abuse-notification", "HIGH", ("shielded-address",))
    decision = decide(POLICY, recipient, "direct-care", entry, entry_facts(entry, False, False))
    assert (FACT, "fail-safe-I1", True) == (
        decision.disclose,
        decision.rule_id,
        decision.needs_review,
    )
    assert "postcode" in decision.withheld


def test_the_labels_own_roles_get_the_entry_unredacted() -> None:
    """The lead social worker may see a shielded address: nothing is withheld."""
    recipient = Recipient("r1", "social-worker", "ORG", "type", "lead-social-worker")
    entry = _entry("domestic-abuse-notification", "HIGH", ("shielded-address", "child-voice"))
    decision = decide(POLICY, recipient, "safeguarding", entry, entry_facts(entry, False, False))
    assert (FULL, ()) == (decision.disclose, decision.withheld_fields)
    assert not decision.needs_contact


def test_remembered_rule_matches_equal_fresh_ones_and_cannot_be_altered() -> None:
    """Every role, relationship, purpose and kind: a second answer equals a fresh policy's."""
    warm, fresh = load_policy(), load_policy()
    kinds = ["unscheduled-care-arrival", "domestic-abuse-notification", "cp-status-current"]
    facts = [ChildFacts(), ChildFacts(on_plan=True, risk_level="HIGH")]
    questions = [
        (role, relationship, purpose, kind, fact, "acute-trust")
        for role in sorted(ROLES)
        for relationship in sorted(RELATIONSHIPS)
        for purpose in sorted(PURPOSES)
        for kind in kinds
        for fact in facts
    ]
    for question in questions:
        warm.matching(*question).clear()  # a caller changing its list changes nothing kept

    assert [warm.matching(*q) for q in questions] == [fresh.matching(*q) for q in questions]
    assert any(warm.matching(*q) for q in questions)
