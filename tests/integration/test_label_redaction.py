"""Labels redact fields, not concerns (I1, I4), end to end on the real broker.

A high-risk police domestic abuse notification carries the ``shielded-address``
label: the family's address must not reach anyone outside the label's roles.
Before the fix the whole notification was refused to the school's DSL (so the
Operation Encompass alert was stored as refused and never sent) and the A&E desk
saw it only as "not shared". Now the DSL is told the fact of the concern (kind,
date, risk level, agency, whom to contact) without the address, postcode, UPRN,
incident reference or free text, and the desk sees the fact of the police concern.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from consumers.alert_delivery import AlertDeliveryService, DeliveryConfig
from consumers.email_delivery import SmtpSettings
from consumers.retry import RetryPolicy
from hub.access.certs import CertifiedIdentity
from hub.access.organisations import OrganisationDirectory
from hub.alerts.assembly import assemble_raiser
from hub.alerts.deadlines import MovableClock
from hub.alerts.publisher import AlertPublisher
from hub.alerts.store import RAISED, Alert, AlertStore
from hub.application.disclosure import DisclosureService
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.calendar.school_day import SchoolCalendar
from hub.lookup.answer import LookupAnswer
from hub.lookup.service import ChildLookupService, LookupQuery
from hub.policy.engine import Recipient
from hub.policy.loader import load_policy
from synthetic.identifiers import make_upn
from tests.fixtures import native
from tests.fixtures.helpers import Mailbox, free_port
from tests.fixtures.lookup_world import Person, nhs_number
from tests.integration.hub_harness import TopicSet, hub_app, run_worker

ORGANISATIONS = """code,type,name,email,escalation_email
RXX01,unscheduled-care,Leeds General Infirmary ED,safeguarding@rxx01.example.nhs.uk,
383,local-authority,Leeds,front-door@leeds.example.org.uk,duty-manager@leeds.example.org.uk
107001,school,Hill Top Primary,dsl@107001.example.org.uk,head@107001.example.org.uk
WYP,police,West Yorkshire Police,referrals@wyp.example.police.uk,
"""
SCHOOLS = [
    {
        "urn": "107001",
        "name": "Hill Top Primary",
        "dsl_name": "Pat Lead",
        "dsl_email": "dsl@107001.example.org.uk",
        "la_code": "383",
    }
]
DSL = "dsl@107001.example.org.uk"
SOCIAL_WORKER = "alex@la.example.org.uk"
DESK = CertifiedIdentity("ae-desk-1", "RXX01", "unscheduled-care-clinician")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

NOAH = Person(nhs_number("943478100"), "Noah", "Hidden", "2016-05-05", "LS7 3QQ")
NOAH_UPN = make_upn("383", "2001", 16, 9)
UPRN = "100012347777"
ADDRESS = "9 Refuge Close, Leeds"
INCIDENT = "WYP-20261118-000042"
# What the shielded-address label keeps from the school: none of it may appear anywhere.
SEALED_TEXT = (UPRN, ADDRESS, NOAH.postcode, "LS7", INCIDENT, "Refuge", "parent partner")


def _write_child(root: Path) -> list[tuple[str, Path]]:
    """Noah: on a plan with Leeds (NHS number and UPN), a pupil at Hill Top Primary."""
    plan = (
        f"383,Leeds,LCS-9,{NOAH.nhs},{NOAH_UPN},{NOAH.given},{NOAH.family},{NOAH.dob},"
        f"{NOAH.postcode},{UPRN},plan-started,2026-10-01,neglect,N,0113 000 0001,"
        f"0113 000 0002,Alex Worker,{SOCIAL_WORKER},Team North,2026-10-01T16:00:00+00:00"
    )
    (root / "cp.csv").write_text(native.CSC_HEADER + "\n" + plan + "\n")
    mark = (
        f"107001,Hill Top Primary,{NOAH_UPN},P-9,{NOAH.family},{NOAH.given},{NOAH.dob},"
        f"{NOAH.postcode},{UPRN},2026-11-16,AM,I,1,2026-11-16T10:00:00+00:00"
    )
    (root / "school.csv").write_text(native.SCHOOL_HEADER + "\n" + mark + "\n")
    return [("csc", root / "cp.csv"), ("school", root / "school.csv")]


def _write_notification(root: Path) -> list[tuple[str, Path]]:
    """A high-risk incident at Noah's home, whose address is shielded."""
    notification = dict(
        native.POLICE_GOOD,
        incident_reference=INCIDENT,
        incident_time="2026-11-18T21:00:00+00:00",
        recorded_time="2026-11-18T22:00:00+00:00",
        risk_level="high",
        location={"uprn": UPRN, "address": ADDRESS, "postcode": NOAH.postcode},
        sensitivity_labels=["shielded-address"],
        children=[
            {
                "person_reference": "WYP-P-9",
                "nhs_number": NOAH.nhs,
                "given_name": NOAH.given,
                "family_name": NOAH.family,
                "date_of_birth": NOAH.dob,
                "present": True,
                "resident": True,
                "voice": None,
            }
        ],
    )
    document = {"force": "WYP", "system": "NICHE", "notifications": [notification]}
    (root / "police.json").write_text(json.dumps(document))
    return [("police", root / "police.json")]


@dataclass
class World:
    app: HubApplication
    store: AlertStore
    audit: AuditLog
    mailbox: Mailbox


@pytest.fixture(scope="module")
def world(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("labels")
    mailbox = Mailbox()
    smtp_port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    topics = TopicSet.fresh()
    data = root / "data"
    loader = hub_app(data, worker=False)
    loader.load_schools(SCHOOLS)
    loader.close()
    app = hub_app(data, worker=False)
    store = AlertStore(root / "alerts.sqlite")
    audit = AuditLog(root / "audit.sqlite", Ed25519PrivateKey.generate())
    directory = OrganisationDirectory.parse(ORGANISATIONS)
    raiser = assemble_raiser(
        app,
        store,
        audit,
        directory,
        SchoolCalendar(),
        default_authority="383",
        clock=MovableClock(NOW).now,
        max_age=timedelta(days=3650),  # fixed dates: never treated as history
    )
    alerts_topic = f"{topics.prefix}hub.alerts"
    for files in (_write_child(root), _write_notification(root)):
        with EventPublisher(kafka_bootstrap, root / "ledger.sqlite") as publisher:
            for agency, path in files:
                export = ADAPTERS[agency].read(path)
                report = publisher.publish(agency, path, topics.agency(agency), export)
                assert report.rejected == [], [r.describe() for r in report.rejected]
        run_worker(kafka_bootstrap, data, topics, f"{topics.prefix}hub")
        raiser.raise_pending()
    alert_publisher = AlertPublisher(store, kafka_bootstrap, alerts_topic)
    alert_publisher.publish_pending()
    alert_publisher.close()
    delivery = AlertDeliveryService(
        DeliveryConfig(
            bootstrap_servers=kafka_bootstrap,
            ledger_path=root / "deliveries.sqlite",
            smtp=SmtpSettings("127.0.0.1", smtp_port, "alerts@hub.example.org.uk", starttls=False),
            topic=alerts_topic,
            dead_letter_topic=f"{topics.prefix}hub.alerts.dead-letter",
            group_id=f"{topics.prefix}delivery",
            retry=RetryPolicy(max_attempts=3, base_seconds=0.01, cap_seconds=0.05),
        )
    )
    try:
        delivery.run(until_idle=True, idle_seconds=2.0)
    finally:
        delivery.close()
    yield World(app, store, audit, mailbox)
    controller.stop()
    store.close()
    audit.close()
    app.close()


def _strings(value: Any) -> list[str]:
    """Every string in a JSON-like value, keys and values, at any depth."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [str(k), *_strings(v)]]
    if isinstance(value, list | tuple):
        return [s for item in value for s in _strings(item)]
    return [] if value is None else [str(value)]


def _leaks(value: Any) -> list[str]:
    text = "\n".join(_strings(value)).lower()
    return [sealed for sealed in SEALED_TEXT if sealed.lower() in text]


def _school_alert(world: World) -> Alert:
    alerts = [
        a for a in world.store.select() if a.rule_id.startswith("p4-") and a.nhs_number == NOAH.nhs
    ]
    assert [a.recipient.organisation for a in alerts] == ["107001"]
    return alerts[0]


def _lookup(world: World) -> LookupAnswer:
    service = ChildLookupService(
        world.app,
        load_policy(),
        world.audit,
        OrganisationDirectory.parse(ORGANISATIONS),
        lambda: NOW,
    )
    return service.lookup(DESK, LookupQuery(nhs_number=NOAH.nhs))


def test_school_dsl_is_alerted_to_a_shielded_address_incident(world: World) -> None:
    """Operation Encompass still happens: the DSL's alert is raised, urgent, not refused."""
    alert = _school_alert(world)
    assert (RAISED, "urgent") == (alert.state, alert.urgency)
    assert alert.content is not None


def test_school_alert_carries_the_fact_of_the_concern(world: World) -> None:
    """The DSL learns kind, date, risk level and agency of the incident."""
    content = _school_alert(world).content or {}
    assert "domestic-abuse-notification" == content["kind"]
    assert "2026-11-18" == str(content["occurred_at"])[:10]
    assert "POLICE" == content["agency"]
    assert "HIGH" == content["details"]["risk_level"]


def test_school_alert_names_whom_to_contact(world: World) -> None:
    """With the detail withheld, the DSL is told whom to ask: the responsible authority."""
    contact = (_school_alert(world).content or {}).get("contact") or {}
    assert ("Leeds", "0113 000 0002") == (
        contact.get("responsible_authority"),
        contact.get("out_of_hours_phone"),
    )


def test_school_alert_carries_no_address_postcode_reference_or_narrative(world: World) -> None:
    """Nothing the label withholds is anywhere in the alert's content, at any depth."""
    content = _school_alert(world).content
    assert [] == _leaks(content)
    assert "Police domestic abuse notification WYP" not in json.dumps(content)


def test_school_email_carries_no_sealed_field(world: World) -> None:
    """The email to the DSL is sent and carries the fact, but none of the withheld fields."""
    alert = _school_alert(world)
    mails = [m for m in world.mailbox.messages if m["X-Hub-Alert-Id"] == alert.alert_id]
    assert [DSL] == [m["X-Envelope-To"] for m in mails]
    body = str(mails[0].get_payload())
    assert [] == _leaks(body)
    assert "2026-11-18" in body and "POLICE" in body


def test_alert_decision_records_the_withheld_fields_and_why(world: World) -> None:
    """I2/I3: the audit says which fields the label withheld, under which label and basis."""
    alert = _school_alert(world)
    audited = [
        r.payload
        for r in world.audit.records("alert-raised")
        if r.payload["alert_id"] == alert.alert_id
    ]
    assert 1 == len(audited)
    decision = alert.decision
    assert decision["lawful_basis"] == "safeguarding"
    withheld = decision["withheld_fields"]
    assert {"address", "postcode", "uprn", "summary"} <= set(withheld["shielded-address"])
    assert "shielded-address" in decision["reason"]


def test_lead_social_worker_still_receives_the_notification_in_full(world: World) -> None:
    """The label's own role (social worker) is not redacted: the incident reference is there."""
    alerts = [
        a
        for a in world.store.select()
        if a.rule_id.startswith("p1-") and a.recipient.email == SOCIAL_WORKER
    ]
    assert 1 == len(alerts)
    assert INCIDENT in json.dumps(alerts[0].content)


def test_ae_desk_sees_the_police_concern_rather_than_a_withheld_count(world: World) -> None:
    """A&E learns a police concern exists at the home (I4), nothing is counted as not shared."""
    answer = _lookup(world)
    cues = {cue.code: cue for cue in answer.cues}
    assert 0 == answer.withheld
    assert "fact-only" == cues["police-notification-at-home"].disclosure
    assert "2026-11-18" in cues["police-notification-at-home"].description
    assert [] == _leaks([c.description for c in answer.cues] + [answer.notice])


def test_dsl_chronology_view_shows_the_entry_redacted(world: World) -> None:
    """The chronology as the DSL may see it holds the entry, with the sealed fields removed."""
    dsl = Recipient(DSL, "school-dsl", "107001", "school", "childs-school")
    view = DisclosureService(world.app, load_policy(), world.audit).chronology_for(
        dsl, "safeguarding", f"nhs/{NOAH.nhs}"
    )
    police = [e for e in view.entries if e["kind"] == "domestic-abuse-notification"]
    assert 1 == len(police)
    assert "HIGH" == police[0]["details"]["risk_level"]
    assert [] == _leaks(view.entries)
