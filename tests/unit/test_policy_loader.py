"""Loading a policy: malformed or contradictory policies fail at start-up with a clear error."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from hub.policy.loader import PolicyError, load_policy, parse_policy

BASE: dict[str, Any] = {
    "version": "test-1",
    "lawful_bases": {"safeguarding": "Art 9(2)(g)"},
    "rules": [
        {
            "id": "a",
            "roles": ["social-worker"],
            "relationships": ["lead-social-worker"],
            "purposes": ["safeguarding"],
            "kinds": ["*"],
            "lawful_basis": "safeguarding",
            "disclose": "full",
        }
    ],
}


def _with(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["rules"][0].update(changes)
    return data


def test_the_shipped_policy_loads() -> None:
    """The policy in the repository is valid and has a version."""
    assert load_policy().version


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({k: v for k, v in BASE.items() if k != "version"}, "'version' is required"),
        (_with(roles=["janitor"]), "unknown ['janitor']"),
        (_with(lawful_basis="because"), "lawful_basis 'because'"),
        (_with(disclose="some"), "disclose must be one of"),
        (_with(kinds=[]), "'kinds' must be a non-empty list"),
        (_with(colour="red"), "unknown keys ['colour']"),
    ],
)
def test_malformed_policy_is_refused_with_the_reason(data: dict[str, Any], message: str) -> None:
    """Each kind of mistake names the rule and what is wrong."""
    with pytest.raises(
        PolicyError,
        match=message.replace("[", r"\[")
        .replace("]", r"\]")
        .replace("(", r"\(")
        .replace(")", r"\)"),
    ):
        parse_policy(data)


def test_contradictory_rules_are_refused() -> None:
    """Two rules matching the same request with different outcomes fail to load."""
    data = copy.deepcopy(BASE)
    data["rules"].append(
        {**data["rules"][0], "id": "b", "kinds": ["school-absence"], "disclose": "fact-only"}
    )
    with pytest.raises(PolicyError, match="rules a and b contradict"):
        parse_policy(data)


def test_an_explicit_override_resolves_a_contradiction() -> None:
    """A rule that names the rule it overrides wins where both match."""
    data = copy.deepcopy(BASE)
    data["rules"].append(
        {
            **data["rules"][0],
            "id": "b",
            "kinds": ["school-absence"],
            "disclose": "fact-only",
            "overrides": ["a"],
        }
    )
    policy = parse_policy(data)
    from hub.policy.model import ChildFacts

    [rule] = policy.matching(
        "social-worker", "lead-social-worker", "safeguarding", "school-absence", ChildFacts()
    )
    assert "b" == rule.id


def test_unreadable_policy_file_is_reported(tmp_path: Path) -> None:
    """A file that is not TOML fails with its path in the message."""
    path = tmp_path / "policy.toml"
    path.write_text("version = = 1", encoding="utf-8")
    with pytest.raises(PolicyError, match=str(path)):
        load_policy(path)


def test_organisation_type_and_looked_after_conditions_narrow_a_rule() -> None:
    """A rule limited to an organisation type and to looked-after children matches only those."""
    from hub.policy.model import ChildFacts

    data = _with(organisation_types=["local-authority"], looked_after=True)
    policy = parse_policy(data)
    match = ("social-worker", "lead-social-worker", "safeguarding", "school-absence")
    assert policy.matching(*match, ChildFacts(looked_after=True), "local-authority")
    assert not policy.matching(*match, ChildFacts(looked_after=False), "local-authority")
    assert not policy.matching(*match, ChildFacts(looked_after=True), "police-force")


def test_policy_check_command_reports_a_refused_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub policy check FILE` exits 1 and says why a policy is refused."""
    from hub.cli.main import main

    path = tmp_path / "policy.toml"
    path.write_text(
        'version = "x"\n[lawful_bases]\na = "b"\n[[rules]]\nid = "r"\n', encoding="utf-8"
    )
    assert 1 == main(["policy", "check", str(path)])
    assert "lawful_basis None" in capsys.readouterr().out
    assert 0 == main(["policy", "check"])


def test_policy_check_says_what_each_label_withholds(capsys: pytest.CaptureFixture[str]) -> None:
    """`hub policy check` names each label, what it withholds and from whom."""
    from hub.cli.main import main

    assert 0 == main(["policy", "check"])
    out = capsys.readouterr().out
    assert "3 sensitivity labels" in out
    assert "label sexual-health: withholds the whole entry from all but gp, school-nurse" in out
    assert "label child-voice: withholds summary, voice from all but social-worker" in out


def test_rules_can_select_entries_by_label() -> None:
    """A rule with ``labels`` matches only entries carrying one of them."""
    from hub.policy.model import ChildFacts

    data = _with(labels=["sexual-health"])
    policy = parse_policy(data)
    match = ("social-worker", "lead-social-worker", "safeguarding", "unscheduled-care-arrival")
    assert policy.matching(*match, ChildFacts(labels=frozenset({"sexual-health"})))
    assert not policy.matching(*match, ChildFacts(labels=frozenset({"child-voice"})))
    assert not policy.matching(*match, ChildFacts())


def test_rules_for_disjoint_labels_do_not_contradict() -> None:
    """Two rules that differ only in disjoint labels can never match the same entry."""
    data = _with(labels=["sexual-health"])
    other = dict(data["rules"][0], id="b", labels=["child-voice"], disclose="fact-only")
    data["rules"].append(other)
    assert len(parse_policy(data).rules) == 2
    del other["labels"]
    with pytest.raises(PolicyError, match="contradict"):
        parse_policy(data)


@pytest.mark.parametrize("labels", [[], "sexual-health", [""], [3]])
def test_malformed_labels_are_refused(labels: Any) -> None:
    """``labels`` must be a non-empty list of label names."""
    with pytest.raises(PolicyError, match="labels must be"):
        parse_policy(_with(labels=labels))


def _with_label(spec: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["labels"] = {"shielded-address": spec}
    return data


def test_a_label_withholding_fields_loads_with_its_fields() -> None:
    """``withholds = [fields]``: the label protects those fields, not the entry."""
    policy = parse_policy(
        _with_label({"allowed_roles": ["social-worker"], "withholds": ["postcode", "summary"]})
    )
    label = policy.labels["shielded-address"]
    assert (False, frozenset({"postcode", "summary"})) == (label.withholds_entry, label.fields)
    assert {"shielded-address": frozenset({"social-worker"})} == policy.label_roles


def test_a_label_sealing_the_entry_loads() -> None:
    """``withholds = "entry"``: the entry itself is the sensitive fact."""
    policy = parse_policy(_with_label({"allowed_roles": ["gp"], "withholds": "entry"}))
    assert policy.labels["shielded-address"].withholds_entry


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"allowed_roles": ["social-worker"]}, "withholds: required"),
        ({"allowed_roles": ["social-worker"], "withholds": []}, "withholds: required"),
        ({"allowed_roles": ["social-worker"], "withholds": "everything"}, "withholds: required"),
        ({"allowed_roles": ["social-worker"], "withholds": ["postocde"]}, "unknown ['postocde']"),
        ({"allowed_roles": ["social-worker"], "withholds": ["risk_level"]}, "fact of a concern"),
        ({"allowed_roles": ["social-worker"], "withholds": ["kind", "summary"]}, "fact of a"),
        ({"allowed_roles": ["social-worker"], "withholds": ["uprn", "uprn"]}, "field twice"),
        ({"allowed_roles": ["janitor"], "withholds": "entry"}, "unknown ['janitor']"),
        ({"withholds": "entry"}, "allowed_roles: must be a non-empty list"),
        ({"allowed_roles": ["gp"], "withholds": "entry", "colour": "red"}, "unknown keys"),
        (["gp"], "must be a table"),
    ],
)
def test_malformed_label_is_refused_with_the_reason(spec: Any, message: str) -> None:
    """A label must say who may see it and, explicitly, what it withholds."""
    with pytest.raises(PolicyError, match=re.escape(message)):
        parse_policy(_with_label(spec))
