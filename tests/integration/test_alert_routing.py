"""No concern lost (I1): routing that never drops an alert, and rules judged on event time.

Hand-made native records (HL7 v2 attendances, police JSON, the social-care CSV) go
through the real adapters, the real broker and the hub worker; the raiser then applies
the shipped rules and policy. Each test is a way a concern could once be lost: an
infant's cumulative concern with no known authority, a child in a refuge whose sibling
is on a plan, a police notification that arrives before the earlier attendance, a plan
loaded in the same run as the attendances it covers, and a late record whose
acknowledgement deadline must start when the alert is raised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from hub.access.organisations import OrganisationDirectory
from hub.alerts.assembly import assemble_raiser
from hub.alerts.deadlines import MovableClock
from hub.alerts.postcode_areas import PostcodeAreas
from hub.alerts.raiser import AlertRaiser
from hub.alerts.store import Alert, AlertStore
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.calendar.school_day import SchoolCalendar
from tests.fixtures import native
from tests.fixtures.lookup_world import EMILY, JAMES, Person, attendance, nhs_number
from tests.integration.hub_harness import TopicSet, hub_app, run_worker

ORGANISATIONS = """code,type,name,email,escalation_email
RXX01,unscheduled-care,Leeds General Infirmary ED,safeguarding@rxx01.example.nhs.uk,
RYY02,unscheduled-care,Wharfe Valley Minor Injury Unit,safeguarding@ryy02.example.nhs.uk,
383,local-authority,Leeds,front-door@leeds.example.org.uk,duty-manager@leeds.example.org.uk
384,local-authority,Bradford,front-door@bradford.example.org.uk,duty-manager@bradford.example.org.uk
B86001,gp-practice,Park Lane Surgery,b86001@gp.example.nhs.uk,
WYP,police,West Yorkshire Police,referrals@wyp.example.police.uk,
"""
# Six months old on 2026-11-10, on no plan, no school, no social worker.
RUBY = Person(nhs_number("943478100"), "Ruby", "Hall", "2026-05-10", "LS7 2AB")
ROSA = Person(nhs_number("943478200"), "Rosa", "Hill", "2026-05-20", "BD3 9ZZ")
NOAH = Person(nhs_number("943478300"), "Noah", "Reed", "2019-04-02", "LS8 3CD")
NOAH_WORKER = "jo.worker@leeds.example.org.uk"
MAYA = Person(nhs_number("943478400"), "Maya", "Cole", "2026-03-03", "LS9 4EF")
MAYA_WORKER = "sam.worker@leeds.example.org.uk"
C5 = "c5-concerns-from-several-agencies"
INJURY = "ZSG|first|Y|N|N|N"


def _injury(person: Person, visit: str, arrived: str, site: str = "RXX01") -> str:
    """An HL7 A04 arrival with an injury flagged and no other concern."""
    names = {"RXX01": "Leeds General Infirmary ED", "RYY02": "Wharfe Valley Minor Injury Unit"}
    message = attendance(
        person, visit, arrived, site, names[site], "ED" if site == "RXX01" else "MIU"
    )
    return message.replace("ZSG|first|Y|Y|N|N", INJURY)


def _police(
    reference: str, at: str, risk: str, children: list[Person], uprn: str, postcode: str
) -> dict[str, Any]:
    """A police domestic-abuse notification at one home, naming ``children``."""
    return dict(
        native.POLICE_GOOD,
        incident_reference=reference,
        incident_time=at,
        recorded_time=at,
        risk_level=risk,
        location={"uprn": uprn, "address": "1 Test Row, Leeds", "postcode": postcode},
        children=[
            {
                "person_reference": f"{reference}-{index}",
                "nhs_number": child.nhs,
                "given_name": child.given,
                "family_name": child.family,
                "date_of_birth": child.dob,
                "present": True,
                "resident": True,
                "voice": None,
            }
            for index, child in enumerate(children)
        ],
    )


@dataclass
class Hub:
    """One hub on private topics: publish native files, ingest, raise alerts."""

    bootstrap: str
    root: Path
    topics: TopicSet
    app: HubApplication
    store: AlertStore
    audit: AuditLog
    raiser: AlertRaiser
    clock: MovableClock
    files: int = 0

    def write(self, name: str, text: str) -> Path:
        self.files += 1
        path = self.root / f"{self.files:02d}-{name}"
        path.write_text(text, encoding="utf-8")
        return path

    def publish(self, *files: tuple[str, Path]) -> None:
        with EventPublisher(self.bootstrap, self.root / "ledger.sqlite") as publisher:
            for agency, path in files:
                export = ADAPTERS[agency].read(path)
                report = publisher.publish(agency, path, self.topics.agency(agency), export)
                assert report.rejected == [], [r.describe() for r in report.rejected]

    def hl7(self, *messages: str) -> tuple[str, Path]:
        return ("ae", self.write("ae.hl7", "".join(messages)))

    def police(self, *notifications: dict[str, Any]) -> tuple[str, Path]:
        document = {"force": "WYP", "system": "NICHE", "notifications": list(notifications)}
        return ("police", self.write("police.json", json.dumps(document)))

    def plans(self, *rows: str) -> tuple[str, Path]:
        return ("csc", self.write("cp.csv", "\n".join([native.CSC_HEADER, *rows]) + "\n"))

    def ingest_and_raise(self) -> int:
        run_worker(self.bootstrap, self.root / "data", self.topics, f"{self.topics.prefix}hub")
        return self.raiser.raise_pending()

    def alerts(self, rule: str, nhs: str) -> list[Alert]:
        return [a for a in self.store.select() if a.rule_id == rule and a.nhs_number == nhs]


def _hub(
    bootstrap: str,
    root: Path,
    *,
    default_authority: str | None = None,
    postcode_areas: PostcodeAreas | None = None,
    now: datetime = datetime(2026, 11, 20, tzinfo=UTC),
    max_age: timedelta = timedelta(days=3650),
) -> Hub:
    app = hub_app(root / "data", worker=False)
    store = AlertStore(root / "alerts.sqlite")
    audit = AuditLog(root / "audit.sqlite", Ed25519PrivateKey.generate())
    clock = MovableClock(now)
    raiser = assemble_raiser(
        app,
        store,
        audit,
        OrganisationDirectory.parse(ORGANISATIONS),
        SchoolCalendar(),
        default_authority=default_authority,
        postcode_areas=postcode_areas,
        operator_email="duty-operator@hub.example.org.uk",
        clock=clock.now,
        max_age=max_age,
    )
    return Hub(bootstrap, root, TopicSet.fresh(), app, store, audit, raiser, clock)


@pytest.fixture
def make_hub(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Any]:
    made: list[Hub] = []

    def make(**options: Any) -> Hub:
        hub = _hub(kafka_bootstrap, tmp_path / f"hub{len(made)}", **options)
        made.append(hub)
        return hub

    yield make
    for hub in made:
        hub.store.close()
        hub.audit.close()
        hub.app.close()


LEEDS_POSTCODES = PostcodeAreas({"LS7": "383", "LS8": "383", "BD3": "384"})


def test_infant_concern_with_no_known_authority_is_raised_unrouted(make_hub: Any) -> None:
    """C5/I1: an infant's concern with no authority known anywhere is raised unrouted, audited.

    An injury attendance and a police notice 4 days apart; no plan, school, postcode table
    or default authority: the duty operator receives it, with the reasons.
    """
    hub = make_hub()
    hub.publish(
        hub.hl7(_injury(RUBY, "V7001", "202611101000")),
        hub.police(
            _police(
                "WYP-1",
                "2026-11-14T21:00:00+00:00",
                "standard",
                [RUBY],
                "100077700001",
                RUBY.postcode,
            )
        ),
    )
    hub.ingest_and_raise()
    alerts = hub.alerts(C5, RUBY.nhs)
    assert 1 == len(alerts)
    alert = alerts[0]
    assert alert.unrouted and alert.recipient.route == "unrouted"
    assert "duty-operator@hub.example.org.uk" == alert.recipient.email
    assert [alert.alert_id] == [a.alert_id for a in hub.store.unrouted_alerts()]
    # What routing needs, not the detail: a minimised account under its own policy rule.
    assert ("hub-duty-operator-routes-unrouted-concerns", "minimised", "routing") == (
        alert.decision["rule"],
        alert.decision["decision"],
        alert.decision["purpose"],
    )
    reasons = {item["kind"]: item["reason"] for item in alert.routing["unresolved"]}
    assert {"lead-social-worker", "front-door"} <= set(reasons)
    assert "no local authority is known" in reasons["front-door"]
    audited = [r.payload for r in hub.audit.records("alert-unrouted")]
    assert [alert.alert_id] == [p["alert_id"] for p in audited]
    assert audited[0]["routing"]["unresolved"] == alert.routing["unresolved"]
    # Escalated on its deadline like any other alert: nobody acknowledged it.
    hub.clock.set(datetime.fromisoformat(alert.ack_deadline) + timedelta(minutes=1))
    escalations = hub.raiser.escalate_due()
    assert 1 <= (hub.store.get(alert.alert_id) or alert).escalated_to_level
    # Nobody above the duty operator is known: the escalation goes to the operator, urgent.
    assert escalations and {("unrouted", "urgent")} == {
        (e.recipient.route, e.urgency) for e in escalations
    }
    assert "duty-operator@hub.example.org.uk" == escalations[0].recipient.email


def test_home_postcode_routes_the_infant_concern_to_its_authority(make_hub: Any) -> None:
    """With the postcode reference table loaded, the same concern reaches the area's front door."""
    hub = make_hub(postcode_areas=LEEDS_POSTCODES)
    hub.publish(
        hub.hl7(_injury(ROSA, "V7101", "202611101000")),
        hub.police(
            _police(
                "WYP-2",
                "2026-11-14T21:00:00+00:00",
                "standard",
                [ROSA],
                "100077700002",
                ROSA.postcode,
            )
        ),
    )
    hub.ingest_and_raise()
    [alert] = hub.alerts(C5, ROSA.nhs)
    assert ("384", "front-door", "fallback:home-postcode") == (
        alert.recipient.organisation,
        alert.recipient.kind,
        alert.recipient.route,
    )
    assert "front-door@bradford.example.org.uk" == alert.recipient.email
    assert [] == hub.store.unrouted_alerts()


def test_child_in_a_refuge_is_routed_through_a_sibling_on_a_plan(make_hub: Any) -> None:
    """A child in a refuge is routed to the authority of a sibling on a plan in the household.

    No plan, school or address of her own: the high-risk police notice and the discharge
    with a concern open reach Leeds, the sibling's responsible authority.
    """
    hub = make_hub()
    hub.publish(hub.plans(native.CSC_PLAN_STARTED))  # James: on a plan with Leeds (383)
    hub.ingest_and_raise()
    discharge = (
        native.HL7_GOOD_A03.replace("9434765919", EMILY.nhs)
        .replace("SMITH^JAMES", "SMITH^EMILY")
        .replace("20150304", EMILY.dob.replace("-", ""))
        .replace("RXX01-0042", "RXX01-0777")
        .replace("V0001", "V7201")
        .replace("ZSG|first|Y|Y|N|N", "ZSG|first|N|Y|N|N")
        .replace("20261101", "20261116")
    )
    hub.publish(
        hub.police(
            _police(
                "WYP-3",
                "2026-11-15T22:00:00+00:00",
                "high",
                [JAMES, EMILY],
                "100012345678",
                "LS1 4AB",
            )
        ),
        hub.hl7(discharge),
    )
    hub.ingest_and_raise()
    high = hub.alerts("p1-high-risk-domestic-abuse-referral", EMILY.nhs)
    assert [("383", "front-door", "fallback:household")] == [
        (a.recipient.organisation, a.recipient.kind, a.recipient.route) for a in high
    ]
    discharged = hub.alerts("a7-discharged-with-concern-open", EMILY.nhs)
    assert [("383", "duty-team", "household")] == [
        (a.recipient.organisation, a.recipient.kind, a.recipient.route) for a in discharged
    ]
    assert [] == hub.store.unrouted_alerts()


def test_police_notice_before_the_earlier_attendance_still_raises_the_concern(
    make_hub: Any,
) -> None:
    """C5 on event time: an earlier attendance arriving after the police notice completes it.

    The police notice (14 Nov) arrives and is judged first; the injury attendance of
    10 Nov arrives later and completes the cumulative concern.
    """
    hub = make_hub(default_authority="383")
    hub.publish(
        hub.police(
            _police(
                "WYP-4",
                "2026-11-14T21:00:00+00:00",
                "standard",
                [RUBY],
                "100077700003",
                RUBY.postcode,
            )
        )
    )
    hub.ingest_and_raise()
    assert [] == hub.alerts(C5, RUBY.nhs)
    hub.publish(hub.hl7(_injury(RUBY, "V7301", "202611101000")))
    hub.ingest_and_raise()
    [alert] = hub.alerts(C5, RUBY.nhs)
    assert "2 agencies within 30 days" in alert.headline
    assert ("383", "front-door") == (alert.recipient.organisation, alert.recipient.kind)
    # Re-judging again (another page, a restart) raises nothing more.
    hub.publish(hub.hl7(_injury(RUBY, "V7302", "202611110900")))
    hub.ingest_and_raise()
    assert [alert.alert_id] == [a.alert_id for a in hub.alerts(C5, RUBY.nhs)]


def test_plan_loaded_in_the_same_run_as_the_attendances_still_counts(make_hub: Any) -> None:
    """A1/A4: a plan ingested in the same run as the attendances it covers still counts.

    The plan's topic is applied last; the attendance-while-on-plan and several-sites
    alerts still reach the lead social worker.
    """
    hub = make_hub()
    plan = (
        native.CSC_PLAN_STARTED.replace(
            "LCS-1,9434765919,,James,Smith,2015-03-04,LS1 4AB",
            f"LCS-9,{NOAH.nhs},,Noah,Reed,{NOAH.dob},{NOAH.postcode}",
        )
        .replace("100012345678", "100077700009")
        .replace("Alex Worker,alex@la.example.org.uk", f"Jo Worker,{NOAH_WORKER}")
    )
    hub.publish(
        hub.hl7(
            _injury(NOAH, "V7401", "202611101000", "RXX01"),
            _injury(NOAH, "V7402", "202611121500", "RYY02"),
        ),
        hub.plans(plan),
    )
    hub.ingest_and_raise()
    on_plan = hub.alerts("a1-attendance-while-on-plan-or-looked-after", NOAH.nhs)
    assert {NOAH_WORKER} == {a.recipient.email for a in on_plan}
    assert 2 == len(on_plan)
    sites = hub.alerts("a4-injuries-at-several-sites", NOAH.nhs)
    assert [NOAH_WORKER] == [a.recipient.email for a in sites]


def test_a_lead_social_worker_known_later_takes_over_the_front_doors_alert(
    make_hub: Any,
) -> None:
    """A better route learnt later supersedes: the front door had the alert, the worker gets it.

    The earlier alert is marked superseded, audited as such, and no longer escalates.
    """
    hub = make_hub(default_authority="383")
    hub.publish(
        hub.hl7(_injury(MAYA, "V7601", "202611101000")),
        hub.police(
            _police(
                "WYP-6",
                "2026-11-14T21:00:00+00:00",
                "standard",
                [MAYA],
                "100077700006",
                MAYA.postcode,
            )
        ),
    )
    hub.ingest_and_raise()
    [door] = hub.alerts(C5, MAYA.nhs)
    assert ("front-door", "fallback:default-authority") == (
        door.recipient.kind,
        door.recipient.route,
    )
    plan = (
        native.CSC_PLAN_STARTED.replace(
            "LCS-1,9434765919,,James,Smith,2015-03-04,LS1 4AB",
            f"LCS-10,{MAYA.nhs},,Maya,Cole,{MAYA.dob},{MAYA.postcode}",
        )
        .replace("100012345678", "100077700006")
        .replace("Alex Worker,alex@la.example.org.uk", f"Sam Worker,{MAYA_WORKER}")
    )
    hub.publish(hub.plans(plan))
    hub.ingest_and_raise()
    alerts = {a.alert_id: a for a in hub.alerts(C5, MAYA.nhs)}
    [worker] = [a for a in alerts.values() if a.alert_id != door.alert_id]
    assert (MAYA_WORKER, "allocated") == (worker.recipient.email, worker.recipient.route)
    assert worker.alert_id == alerts[door.alert_id].superseded_by
    audited = [r.payload for r in hub.audit.records("alert-superseded")]
    assert [{"alert_id": door.alert_id, "superseded_by": worker.alert_id}] == audited
    hub.clock.set(datetime.fromisoformat(door.ack_deadline) + timedelta(days=3))
    escalated = {e.escalates for e in hub.raiser.escalate_due()}
    assert door.alert_id not in escalated and worker.alert_id in escalated


def test_late_record_gets_its_whole_acknowledgement_window(make_hub: Any) -> None:
    """A record 6 hours late gets its whole acknowledgement window, and its lateness is kept.

    The deadline runs from when the alert is raised, nothing escalates at once, and an
    escalation's deadline is never in its own past.
    """
    recorded = datetime(2026, 11, 18, 14, 0, tzinfo=UTC)
    hub = make_hub(default_authority="383", now=recorded + timedelta(hours=6))
    hub.publish(
        hub.police(
            _police("WYP-5", recorded.isoformat(), "high", [ROSA], "100077700005", ROSA.postcode)
        )
    )
    hub.ingest_and_raise()
    [alert] = hub.alerts("p1-high-risk-domestic-abuse-referral", ROSA.nhs)
    raised = datetime.fromisoformat(alert.raised_at)
    assert recorded + timedelta(hours=6) == raised
    assert datetime.fromisoformat(alert.ack_deadline) > raised
    assert 6 * 3600 == alert.routing["source_lateness_seconds"]
    assert [] == hub.raiser.escalate_due()
    hub.clock.set(datetime.fromisoformat(alert.ack_deadline) + timedelta(minutes=1))
    escalations = hub.raiser.escalate_due()
    assert escalations
    for escalation in escalations:
        assert escalation.ack_deadline > escalation.raised_at
        assert datetime.fromisoformat(escalation.raised_at) >= hub.clock.now() - timedelta(
            seconds=1
        )
