"""Alert rules as data: each shipped rule fires for the right recipients, and only then.

Children are built directly as ``Child`` aggregates and entries by hand; the shipped
``policies/alert-rules.toml`` is evaluated, so these tests also check the rule file.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from hub.access.organisations import OrganisationDirectory
from hub.alerts.evaluate import AlertContext, evaluate
from hub.alerts.model import AlertIntent
from hub.alerts.rules import may_fire
from hub.alerts.rules_loader import AlertRulesError, load_alert_rules, parse_alert_rules
from hub.bootstrap import bootstrap
from hub.calendar.school_day import ENGLAND, SchoolCalendar
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry, DetailValue
from hub.domain.directory import School

RULES = load_alert_rules()
LEEDS = {"code": "383", "name": "Leeds", "office_hours_phone": "0113", "out_of_hours_phone": "0113"}
DIRECTORY = OrganisationDirectory.parse(
    "code,type,name,email,escalation_email\n"
    "383,local-authority,Leeds,frontdoor@leeds.example,duty-manager@leeds.example\n"
    "384,local-authority,Bradford,frontdoor@bradford.example,duty-manager@bradford.example\n"
    "RXX01,unscheduled-care,Leeds General ED,ed@lgi.example,\n"
    "RYY02,unscheduled-care,Wharfe Valley MIU,miu@wharfe.example,\n"
    "B86001,gp-practice,Park Lane Surgery,gp@parklane.example,pm@parklane.example\n"
    "107001,school,Hill Top Primary,office@hilltop.example,head@hilltop.example\n"
    "107002,school,Moor Lane Academy,office@moorlane.example,\n"
    "WYP,police,West Yorkshire Police,mash@wyp.example,\n"
)
SCHOOLS = {
    urn: School(
        aggregate_id=uuid4(),
        urn=urn,
        details={
            "name": name,
            "dsl_name": "A Lead",
            "dsl_email": f"dsl@{urn}.example",
            "la_code": la,
        },
    )
    for urn, name, la in (("107001", "Hill Top", "383"), ("107002", "Moor Lane", "384"))
}
WORKER = {
    "name": "Sam Worker",
    "email": "sam.worker@leeds.example",
    "team": "T",
    "authority": "383",
}
AT = "2026-11-18T10:00:00+00:00"  # a Wednesday in ISO week 2026-W47


def make_child(
    tag: str = "c",
    *,
    plan: bool = False,
    looked_after: bool = False,
    worker: bool = False,
    school: str | None = "107001",
    gp: str | None = "B86001",
) -> Child:
    """A child with the given status and involved professionals."""
    child = Child(first_event_id=f"first-{tag}", subject_index=0, details={"given_name": "Jamie"})
    if plan:
        child.start_plan(category="NEGLECT", start_date="2026-10-01", unborn=False, authority=LEEDS)
    if looked_after:
        child.set_looked_after(looked_after=True, effective_date="2026-10-01", authority=LEEDS)
    if worker:
        child.involve("lead_social_worker", dict(WORKER))
    if school:
        child.involve("school", {"urn": school, "name": "School"})
    if gp:
        child.involve("gp_practice", {"code": gp, "name": "Surgery"})
    return child


def entry(
    kind: str,
    at: str = AT,
    *,
    event_id: str | None = None,
    agency: str = "EMERGENCY_CARE",
    org: str = "RXX01",
    recorded: str | None = None,
    **details: DetailValue,
) -> ChronologyEntry:
    """A hand-made chronology entry; the summary is free text no headline may repeat."""
    return ChronologyEntry(
        event_id=event_id or str(uuid4()),
        agency=agency,
        kind=kind,
        occurred_at=at,
        recorded_at=recorded or at,
        summary="FREE TEXT Jamie Smith",
        source_organisation=org,
        source_reference="ref",
        details=dict(details),
    )


def attendance(kind: str = "unscheduled-care-arrival", **details: DetailValue) -> ChronologyEntry:
    """An unscheduled-care entry with every flag off unless given."""
    base: dict[str, DetailValue] = {
        "site_code": "RXX01",
        "attendance_reference": "V1",
        "injury": False,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": "HOME" if kind.endswith("discharge") else None,
    }
    at = str(details.pop("at", AT))
    org = str(details.pop("org", "RXX01"))
    return replace(entry(kind, at, org=org), details={**base, **details})


def police(risk: str = "STANDARD", at: str = AT, event_id: str | None = None) -> ChronologyEntry:
    """A domestic-abuse notification (one entry per child of the household)."""
    return entry(
        "domestic-abuse-notification",
        at,
        event_id=event_id,
        agency="POLICE",
        org="WYP",
        risk_level=risk,
        incident_reference="INC1",
    )


def absence(
    day: str, session: str = "AM", kind: str = "UNAUTHORISED", run: int = 1
) -> ChronologyEntry:
    """A school absence mark."""
    return entry(
        "school-absence",
        f"{day}T09:00:00+00:00",
        agency="SCHOOL",
        org="107001",
        school_urn="107001",
        session_date=day,
        session=session,
        attendance_code="O",
        absence_type=kind,
        consecutive_absences=run,
    )


def context(
    siblings: dict[str, list[Child]] | None = None, default: str | None = None
) -> AlertContext:
    """An alert context over the test directories."""
    return AlertContext(
        organisations=DIRECTORY,
        school=SCHOOLS.get,
        siblings=lambda child: (siblings or {}).get(str(child.id), []),
        calendar=SchoolCalendar(),
        default_authority=default,
    )


def record(
    child: Child, item: ChronologyEntry, ctx: AlertContext | None = None
) -> list[AlertIntent]:
    """Record the entry on the child, then evaluate the shipped rules for it.

    Every evaluation here also checks the raiser's pre-filter: whenever a rule fires,
    ``may_fire`` must have said it could (so skipping the child is never wrong).
    """
    child.record_entry(item)
    intents = evaluate(RULES, child, item, ctx or context())
    assert may_fire(RULES, item) or not intents, item.kind
    return intents


class Raised:
    """The alert ids raised so far, as the alert store keeps them.

    An id raised again is no new alert (re-judging an entry, or a second entry for the
    same occurrence).
    """

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def new(self, intents: list[AlertIntent]) -> list[AlertIntent]:
        fresh = [i for i in intents if i.alert_id not in self.ids]
        self.ids |= {i.alert_id for i in intents}
        return fresh


def fired(intents: list[AlertIntent], rule: str | None = None) -> set[tuple[str, str, str]]:
    """(rule, recipient kind, recipient organisation) of each intent, optionally for one rule."""
    return {
        (i.rule_id, i.recipient.kind, i.recipient.organisation)
        for i in intents
        if rule is None or i.rule_id == rule
    }


# The rule file ------------------------------------------------------------------------------


def test_shipped_rules_load_with_their_ids() -> None:
    """The shipped file loads and holds one rule per alerting requirement (docs/requirements.md)."""
    assert {rule.id for rule in RULES.rules} == {
        "a1-attendance-while-on-plan-or-looked-after",
        "a1-access-to-service",
        "a5-suspected-non-accidental-injury",
        "a6-examination-refused",
        "a7-discharged-with-concern-open",
        "p4-domestic-abuse-to-school",
        "p1-domestic-abuse-child-on-plan",
        "p1-high-risk-domestic-abuse-referral",
        "s2-plan-started-or-ended",
        "s1-unauthorised-absences-in-week",
        "s1-persistent-absence",
        "c5-concerns-from-several-agencies",
        "a4-injuries-at-several-sites",
        "r1-referral-outcome",
    }


GOOD_RULE: dict[str, Any] = {
    "id": "r",
    "description": "d",
    "requirements": ["A1"],
    "headline": "h",
    "trigger": "entry",
    "recipients": ["lead-social-worker"],
    "urgency": "routine",
    "parameters": {"kinds": ["x"]},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "rule r: unknown keys ['colour']"),
        ({"requirements": ["A1", "Z9"]}, "rule r: requirements: unknown ['Z9']"),
        ({"trigger": "magic"}, "rule r: trigger: 'magic' is not one of"),
        ({"urgency": "soon"}, "rule r: urgency:"),
        ({"recipients": ["mayor"]}, "rule r: recipients: unknown ['mayor']"),
        ({"recipients": ["referrer"]}, "rule r: recipients: 'referrer'"),
        ({"headline": "child {name}"}, "rule r: headline: unknown placeholders ['name']"),
        ({"deliver_before_next_school_day": True}, "rule r: deliver_before_next_school_day"),
        ({"fallback": {"school-dsl": "front-door"}}, "rule r: fallback.school-dsl"),
        ({"parameters": {"kinds": ["x"], "every": 2}}, "rule r: parameters: unknown keys"),
        ({"parameters": {"kinds": ["x"], "details": {"a": 1.5}}}, "parameters: details.a"),
        ({"child_status": "sad"}, "rule r: child_status"),
        (
            {"trigger": "absence-pattern", "parameters": {"pattern": "weekly", "threshold": 2}},
            "rule r: parameters: pattern",
        ),
        (
            {"trigger": "cumulative-concern", "parameters": {"signals": [], "window_days": 3}},
            "rule r: parameters: signals",
        ),
    ],
)
def test_bad_rules_fail_naming_rule_and_field(change: dict[str, Any], message: str) -> None:
    """A malformed rule fails at load time with its id and the field at fault."""
    raw = {**copy.deepcopy(GOOD_RULE), **change}
    parse_alert_rules({"version": "1", "rules": [GOOD_RULE]})  # the base is good
    with pytest.raises(AlertRulesError) as failure:
        parse_alert_rules({"version": "1", "rules": [raw]}, "f.toml")
    assert message in str(failure.value)
    assert str(failure.value).startswith("f.toml: ")


def test_duplicate_ids_and_unknown_top_level_keys_are_rejected() -> None:
    """Rule ids are unique and the file has only version and rules."""
    with pytest.raises(AlertRulesError, match="duplicate rule ids: r"):
        parse_alert_rules({"version": "1", "rules": [GOOD_RULE, GOOD_RULE]})
    with pytest.raises(AlertRulesError, match="unknown top-level keys"):
        parse_alert_rules({"version": "1", "rules": [GOOD_RULE], "extra": 1})


def test_environment_variable_overrides_the_rules_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HUB_ALERT_RULES points the hub at another rules file."""
    path = tmp_path / "rules.toml"
    path.write_text(
        'version = "t"\n[[rules]]\nid = "only"\ndescription = "d"\nrequirements = ["A1"]\n'
        'headline = "h"\ntrigger = "entry"\nrecipients = ["duty-team"]\nurgency = "urgent"\n'
        '[rules.parameters]\nkinds = ["*"]\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("HUB_ALERT_RULES", str(path))
    assert [rule.id for rule in bootstrap().alert_rules().rules] == ["only"]
    path.write_text("not toml [", encoding="utf-8")
    with pytest.raises(AlertRulesError, match=str(path)):
        bootstrap().alert_rules()


# A&E ----------------------------------------------------------------------------------------

A1 = "a1-attendance-while-on-plan-or-looked-after"


@pytest.mark.parametrize(
    ("child_kwargs", "kind", "expected"),
    [
        ({"plan": True, "worker": True}, "unscheduled-care-arrival", {"lead-social-worker"}),
        ({"looked_after": True}, "unscheduled-care-arrival", {"front-door"}),
        ({"plan": True, "worker": True}, "unscheduled-care-discharge", set()),
        ({"worker": True}, "unscheduled-care-arrival", set()),
    ],
)
def test_a1_attendance_on_plan_or_looked_after(
    child_kwargs: dict[str, Any], kind: str, expected: set[str]
) -> None:
    """A1: arrival of a child on a plan or looked after tells the social worker, else front door."""
    intents = [i for i in record(make_child(**child_kwargs), attendance(kind)) if i.rule_id == A1]
    assert {i.recipient.kind for i in intents} == expected
    assert all(i.recipient.organisation == "383" for i in intents)


def test_a1_a_corrected_arrival_raises_no_second_alert() -> None:
    """A1 is once per attendance: the source's correction of the arrival is no new alert."""
    child, raised = make_child(plan=True, worker=True), Raised()
    first = raised.new(record(child, attendance()))
    corrected = raised.new(record(child, attendance(safeguarding_concern_raised=True)))
    assert ({(A1, "lead-social-worker", "383")}, set()) == (
        fired(first, A1),
        fired(corrected, A1),
    )


def test_a5_nai_is_urgent_to_duty_team_gp_and_social_worker_once_per_attendance() -> None:
    """A5: suspected NAI tells CSC, the GP and the allocated social worker, once per attendance."""
    child = make_child(plan=True, worker=True)
    first = record(child, attendance(suspected_non_accidental_injury=True))
    rule = "a5-suspected-non-accidental-injury"
    assert fired(first, rule) == {
        (rule, "duty-team", "383"),
        (rule, "registered-gp", "B86001"),
        (rule, "lead-social-worker", "383"),
    }
    duty = next(i.recipient for i in first if i.recipient.kind == "duty-team")
    assert duty.relationship == "responsible-authority"
    assert duty.email == "frontdoor@leeds.example"
    assert duty.escalation_email == "duty-manager@leeds.example"
    assert {i.urgency for i in first if i.rule_id == rule} == {"urgent"}
    again = attendance("unscheduled-care-discharge", suspected_non_accidental_injury=True)
    raised = Raised()
    raised.new(first)
    assert fired(raised.new(record(child, again)), rule) == set()
    other_visit = attendance(suspected_non_accidental_injury=True, attendance_reference="V2")
    assert fired(record(child, other_visit), rule) != set()


@pytest.mark.parametrize(
    ("school", "default", "expected"),
    [
        ("107002", None, ("384", "front-door")),  # the LA of the child's school
        (None, "384", ("384", "front-door")),  # the configured default authority
        (None, None, None),  # nobody to tell: only the GP
    ],
)
def test_a5_without_plan_goes_to_the_front_door_of_the_school_or_default_authority(
    school: str | None, default: str | None, expected: tuple[str, str] | None
) -> None:
    """C5: no plan needed; without a responsible authority the duty team is found another way."""
    child = make_child(school=school)
    intents = record(
        child, attendance(suspected_non_accidental_injury=True), context(default=default)
    )
    duty = [
        (i.recipient.organisation, i.recipient.relationship)
        for i in intents
        if i.recipient.kind == "duty-team"
    ]
    assert duty == ([expected] if expected else [])
    assert ("a5-suspected-non-accidental-injury", "registered-gp", "B86001") in fired(intents)


@pytest.mark.parametrize(
    ("worker", "expected"),
    [(True, {"duty-team", "lead-social-worker"}), (False, {"duty-team"})],
)
def test_a6_examination_refused(worker: bool, expected: set[str]) -> None:
    """A6: a refused examination is urgent to CSC, and to the social worker if allocated."""
    intents = record(make_child(worker=worker), attendance(examination_refused=True))
    mine = [i for i in intents if i.rule_id == "a6-examination-refused"]
    assert {i.recipient.kind for i in mine} == expected
    assert {i.urgency for i in mine} == {"urgent"}


@pytest.mark.parametrize(
    ("concern", "status", "fires"),
    [
        (True, "HOME", True),
        (True, "SELF_DISCHARGE", True),
        (True, "REFERRED_TO_SOCIAL_CARE", False),
        (False, "HOME", False),
    ],
)
def test_a7_discharge_with_concern_open(concern: bool, status: str, fires: bool) -> None:
    """A7: discharge with a concern raised and no referral to social care is urgent to CSC."""
    child = make_child()
    item = attendance(
        "unscheduled-care-discharge", safeguarding_concern_raised=concern, discharge_status=status
    )
    intents = record(child, item, context(default="383"))
    assert bool(fired(intents, "a7-discharged-with-concern-open")) is fires


# Police -------------------------------------------------------------------------------------


def test_siblings_at_two_schools_each_get_their_own_dsl() -> None:
    """P3/P4: the household's notification reaches each child's own school DSL."""
    first, second = make_child("a"), make_child("b", school="107002")
    item = police("MEDIUM")
    a, b = record(first, item), record(second, item)
    rule = "p4-domestic-abuse-to-school"
    assert fired(a, rule) == {(rule, "school-dsl", "107001")}
    assert fired(b, rule) == {(rule, "school-dsl", "107002")}
    dsl = next(i.recipient for i in a if i.rule_id == rule)
    assert (dsl.role, dsl.relationship, dsl.email) == (
        "school-dsl",
        "childs-school",
        "dsl@107001.example",
    )
    assert dsl.escalation_email == "head@hilltop.example"


def test_friday_evening_notification_is_due_monday_before_school() -> None:
    """P4: a Friday 19:30 notification is due at 08:45 on Monday, England's local time."""
    item = police(at="2026-11-20T19:30:00+00:00")
    intents = record(make_child(), item)
    school = next(i for i in intents if i.recipient.kind == "school-dsl")
    assert school.deliver_by == datetime(2026, 11, 23, 8, 45, tzinfo=ENGLAND)


@pytest.mark.parametrize(
    ("incident_utc", "told"),
    [
        # 00:30 BST on Monday 15 June 2026: Monday, so only the school the child joined then.
        ("2026-06-14T23:30:00+00:00", {"107002"}),
        # 00:30 BST on Monday 30 March 2026, the first night of summer time.
        ("2026-03-29T23:30:00+00:00", {"107002"}),
        # 00:30 GMT on Monday 26 October 2026, the first night of winter time.
        ("2026-10-26T00:30:00+00:00", {"107002"}),
        # 23:30 GMT on Sunday 25 October 2026: still the Sunday, the old school's last day.
        ("2026-10-25T23:30:00+00:00", {"107001", "107002"}),
    ],
)
def test_p4_takes_the_incident_s_local_date_not_its_utc_date(
    incident_utc: str, told: set[str]
) -> None:
    """P4: a child who moved school on the Monday; the schools told follow England's date."""
    monday = (datetime.fromisoformat(incident_utc) + timedelta(hours=1)).date()
    child = make_child(school=None)
    child.record_roll("107001", "Hill Top", "2024-09-04", monday.isoformat(), "C")
    child.record_roll("107002", "Moor Lane", monday.isoformat(), None, "C")
    intents = record(child, police(at=incident_utc))
    rule = "p4-domestic-abuse-to-school"
    assert {(rule, "school-dsl", urn) for urn in told} == fired(intents, rule)


@pytest.mark.parametrize(
    ("plan", "risk", "social_care", "urgency"),
    [
        (True, "STANDARD", ("p1-domestic-abuse-child-on-plan", "lead-social-worker"), "routine"),
        (True, "HIGH", ("p1-high-risk-domestic-abuse-referral", "lead-social-worker"), "urgent"),
        (False, "STANDARD", None, "routine"),
        (False, "MEDIUM", None, "routine"),
        (False, "HIGH", ("p1-high-risk-domestic-abuse-referral", "front-door"), "urgent"),
    ],
)
def test_domestic_abuse_routes_by_plan_and_risk(
    plan: bool, risk: str, social_care: tuple[str, str] | None, urgency: str
) -> None:
    """P1/P2: the social worker hears of every incident on a plan; otherwise only high risk."""
    intents = record(make_child(plan=plan, worker=plan), police(risk))
    to_csc = {(i.rule_id, i.recipient.kind) for i in intents if i.recipient.kind != "school-dsl"}
    to_csc -= {("c5-concerns-from-several-agencies", "lead-social-worker")}
    assert to_csc == ({social_care} if social_care else set())
    school = next(i for i in intents if i.recipient.kind == "school-dsl")
    assert school.urgency == urgency


# Plans --------------------------------------------------------------------------------------

S2 = "s2-plan-started-or-ended"


@pytest.mark.parametrize(
    ("kind", "gp", "expected"),
    [
        ("cp-status-plan-started", "B86001", {"school-dsl", "registered-gp"}),
        ("cp-status-unborn-plan-started", "B86001", {"school-dsl", "registered-gp"}),
        ("cp-status-plan-ended", None, {"school-dsl"}),
        ("cp-status-plan-reviewed", "B86001", set()),
        ("cp-status-looked-after-started", "B86001", set()),
    ],
)
def test_s2_plan_changes_reach_school_and_gp(kind: str, gp: str | None, expected: set[str]) -> None:
    """S2/C2: plan start and end reach the school and GP; an unknown GP is skipped."""
    child = make_child(plan=True, gp=gp)
    item = entry(kind, agency="CHILDRENS_SOCIAL_CARE", org="383", status_event="X")
    intents = [i for i in record(child, item) if i.rule_id == S2]
    assert {i.recipient.kind for i in intents} == expected
    assert all(i.urgency == "routine" and i.deliver_by is None for i in intents)


def test_s2_health_visitor_when_known() -> None:
    """A health visitor on the record is told too."""
    child = make_child(plan=True)
    child.involve(
        "health_visitor", {"name": "H V", "email": "hv@nhs.example", "organisation": "RHV"}
    )
    intents = record(child, entry("cp-status-plan-started", agency="CHILDRENS_SOCIAL_CARE"))
    visitor = next(i.recipient for i in intents if i.recipient.kind == "health-visitor")
    assert (visitor.role, visitor.organisation, visitor.email) == (
        "health-visitor",
        "RHV",
        "hv@nhs.example",
    )


# Schools ------------------------------------------------------------------------------------

WEEKLY = "s1-unauthorised-absences-in-week"


def test_s1_unauthorised_absences_fire_once_a_week_at_the_threshold() -> None:
    """S1: the 2nd unauthorised session in an ISO week fires; the 1st and 3rd do not."""
    child = make_child(plan=True, worker=True)
    marks = [
        (absence("2026-11-16", "AM"), None),
        (absence("2026-11-16", "AM"), None),  # the same session sent again: still one
        (absence("2026-11-16", "PM", kind="AUTHORISED"), None),  # authorised: not counted
        (absence("2026-11-17", "AM"), "2026-W47"),
        (absence("2026-11-18", "AM"), None),
        (absence("2026-11-23", "AM"), None),  # next week starts again
        (absence("2026-11-24", "PM"), "2026-W48"),
    ]
    raised = Raised()
    for item, week in marks:
        intents = [i for i in raised.new(record(child, item)) if i.rule_id == WEEKLY]
        expected = [("lead-social-worker", f"week:{week}")] if week else []
        assert [(i.recipient.kind, i.occurrence) for i in intents] == expected, item.details


def test_s1_weekly_discriminator_is_the_iso_week_and_needs_a_plan() -> None:
    """The weekly alert is keyed by ISO week; a child not on a plan raises no S1 alert."""
    child = make_child(plan=True)
    record(child, absence("2026-11-16"))
    intents = [i for i in record(child, absence("2026-11-19")) if i.rule_id == WEEKLY]
    assert [(i.occurrence, i.recipient.kind) for i in intents] == [("week:2026-W47", "front-door")]
    assert "2 sessions" in intents[0].headline
    off_plan = make_child()
    record(off_plan, absence("2026-11-16"))
    assert fired(record(off_plan, absence("2026-11-19")), WEEKLY) == set()


def test_s1_persistent_absence_fires_when_the_run_reaches_six() -> None:
    """S1: consecutive absences fire exactly at the threshold, not before or after."""
    child = make_child(plan=True, worker=True)
    days = [
        "2026-11-16",
        "2026-11-16",
        "2026-11-17",
        "2026-11-17",
        "2026-11-18",
        "2026-11-18",
        "2026-11-19",
    ]
    outcomes = []
    for run, day in enumerate(days, start=1):
        item = absence(day, "AM" if run % 2 else "PM", kind="AUTHORISED", run=run)
        outcomes.append(bool(fired(record(child, item), "s1-persistent-absence")))
    assert outcomes == [False, False, False, False, False, True, False]


# Cumulative concern -------------------------------------------------------------------------

C5 = "c5-concerns-from-several-agencies"


def test_c5_sibling_police_entry_and_child_injury_fire_once() -> None:
    """C5/A4: a sibling's police notice plus the child's injury is a second agency in 30 days."""
    child, sibling = make_child("a"), make_child("b")
    siblings = {str(child.id): [sibling], str(sibling.id): [child]}
    ctx = context(siblings, default="383")
    raised = Raised()
    assert fired(record(sibling, police(at="2026-11-01T22:00:00+00:00"), ctx), C5) == set()
    intents = raised.new(record(child, attendance(injury=True), ctx))
    assert fired(intents, C5) == {(C5, "front-door", "383")}
    alert = next(i for i in intents if i.rule_id == C5)
    assert alert.extra["agency"] == ["EMERGENCY_CARE", "POLICE"]
    assert "2 agencies within 30 days" in alert.headline
    later = attendance(injury=True, attendance_reference="V9", at="2026-11-19T10:00:00+00:00")
    assert fired(raised.new(record(child, later, ctx)), C5) == set()  # already two agencies


@pytest.mark.parametrize(
    ("police_at", "injury", "fires"),
    [
        ("2026-10-25T10:00:00+00:00", True, True),
        ("2026-10-10T10:00:00+00:00", True, False),  # outside the 30-day window
        ("2026-11-10T10:00:00+00:00", False, False),  # not a signal: no injury, no concern
    ],
)
def test_c5_window_and_signals(police_at: str, injury: bool, fires: bool) -> None:
    """Only signals within the window count, and the entry must itself be a signal."""
    child = make_child(worker=True)
    record(child, police(at=police_at))
    assert bool(fired(record(child, attendance(injury=injury)), C5)) is fires


def test_a4_sibling_injuries_at_two_sites() -> None:
    """A4: the child and a sibling with injuries at two different sites within 30 days."""
    child, sibling = make_child("a", plan=True, worker=True), make_child("b")
    ctx = context({str(child.id): [sibling]})
    record(sibling, attendance(injury=True, org="RYY02", at="2026-11-05T10:00:00+00:00"))
    intents = record(child, attendance(injury=True), ctx)
    rule = "a4-injuries-at-several-sites"
    assert fired(intents, rule) == {(rule, "lead-social-worker", "383")}
    assert next(i for i in intents if i.rule_id == rule).extra["source_organisation"] == [
        "RXX01",
        "RYY02",
    ]


# Referral feedback --------------------------------------------------------------------------

R1 = "r1-referral-outcome"


@pytest.mark.parametrize(
    ("referral", "days_before", "outcome", "expected"),
    [
        ("police", 20, "cp-status-plan-started", {(R1, "referrer", "WYP")}),
        ("concern", 59, "cp-status-plan-started", {(R1, "referrer", "RXX01")}),
        ("concern", 61, "cp-status-plan-started", set()),
        ("injury-only", 10, "cp-status-plan-started", set()),
        ("police", 20, "cp-status-plan-reviewed", set()),
    ],
)
def test_r1_referrer_told_the_outcome(
    referral: str, days_before: int, outcome: str, expected: set[tuple[str, str, str]]
) -> None:
    """R1: a decision within 60 days of a referral-like entry tells the referring organisation."""
    child = make_child(plan=True, worker=True)
    when = (datetime.fromisoformat(AT) - timedelta(days=days_before)).isoformat()
    earlier = {
        "police": police(at=when),
        "concern": attendance(safeguarding_concern_raised=True, at=when),
        "injury-only": attendance(injury=True, at=when),
    }[referral]
    record(child, earlier)
    intents = record(child, entry(outcome, agency="CHILDRENS_SOCIAL_CARE", org="383"))
    assert fired(intents, R1) == expected
    for intent in intents:
        if intent.rule_id == R1:
            expected_role = (
                "police-officer" if referral == "police" else "unscheduled-care-clinician"
            )
            assert (intent.recipient.role, intent.recipient.relationship) == (
                expected_role,
                "referrer",
            )
            assert intent.extra["referral_event_ids"] == [earlier.event_id]


# Properties of every evaluation -------------------------------------------------------------


def test_evaluation_is_deterministic_and_independent_of_later_entries() -> None:
    """A replay gives the same alert ids, even with entries recorded afterwards."""
    child = make_child(plan=True, worker=True)
    record(child, absence("2026-11-16"))
    second = absence("2026-11-17")
    first_time = record(child, second)
    assert [i.alert_id for i in first_time] == [
        i.alert_id for i in evaluate(RULES, child, second, context())
    ]
    record(child, absence("2026-11-18"))
    replay = evaluate(RULES, child, second, context())
    assert [i.alert_id for i in replay] == [i.alert_id for i in first_time]
    assert len({i.alert_id for i in first_time}) == len(first_time)


def test_headlines_name_no_one_and_repeat_no_free_text() -> None:
    """Headlines are factual: no child or professional names, no entry summaries."""
    child = make_child(plan=True, worker=True)
    intents = record(
        child, attendance(suspected_non_accidental_injury=True, examination_refused=True)
    )
    intents += record(child, police("HIGH"))
    assert intents
    for intent in intents:
        assert "Jamie" not in intent.headline and "Sam" not in intent.headline
        assert "FREE TEXT" not in intent.headline


def test_intents_carry_rule_requirements_and_child() -> None:
    """Each intent says which rule and requirements raised it, about which child and entry."""
    child = make_child(looked_after=True, worker=True)
    item = attendance()
    [intent] = record(child, item)
    assert (intent.rule_id, intent.requirements) == (A1, ("A1",))
    assert (intent.child_id, intent.entry) == (str(child.id), item)
    assert intent.recipient.email == WORKER["email"]
    assert intent.recipient.escalation_email == "duty-manager@leeds.example"


def test_prefilter_skips_entries_no_rule_could_fire_on() -> None:
    """Authorised absences without a run (the bulk of school traffic) need no child rebuild."""
    assert not may_fire(RULES, absence("2026-11-16", "AM", "AUTHORISED", run=1))
    assert may_fire(RULES, absence("2026-11-16", "AM", "AUTHORISED", run=6))  # persistent
    assert may_fire(RULES, absence("2026-11-16", "AM", "UNAUTHORISED"))
    assert may_fire(RULES, police())
    assert may_fire(RULES, attendance())
