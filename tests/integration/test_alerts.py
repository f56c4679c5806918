"""Alerts end to end on the real broker and a real SMTP server.

Agency exports are published to Kafka and ingested by the hub worker; the
raiser applies the alert rules and the policy; the publisher sends alerts to
Kafka; the delivery consumer emails them through a local aiosmtpd server.
Replays, redeliveries, an unreachable webhook and escalation on a movable
event-time clock are all exercised against the same pipeline.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiosmtpd.controller import Controller
from fhir.resources.R4B.bundle import Bundle

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from consumers.alert_delivery import AlertDeliveryService, DeliveryConfig
from consumers.email_delivery import SmtpSettings
from consumers.retry import RetryPolicy
from consumers.webhook_delivery import WebhookTarget
from hub.access.certs import CertifiedIdentity, create_authority, issue_client, issue_server
from hub.access.organisations import OrganisationDirectory
from hub.alerts.deadlines import MovableClock
from hub.alerts.evaluate import AlertContext
from hub.alerts.inbox import inbox_service
from hub.alerts.proto import inbox_pb2, inbox_pb2_grpc
from hub.alerts.publisher import AlertPublisher
from hub.alerts.raiser import AlertRaiser
from hub.alerts.rules_loader import load_alert_rules
from hub.alerts.siblings import siblings_loader
from hub.alerts.store import ACKNOWLEDGED, AlertStore
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.audit.fhir import audit_bundle
from hub.audit.opening import open_audit_log
from hub.calendar.school_day import ENGLAND, HolidayRange, SchoolCalendar
from hub.cli.main import main
from hub.config import Settings
from hub.lookup.client import ClientTls
from hub.lookup.server import ServerTls, create_server
from hub.lookup.service import ChildLookupService, LookupQuery
from hub.policy.loader import load_policy
from synthetic.identifiers import make_upn
from tests.fixtures import native
from tests.fixtures.helpers import Mailbox, free_port
from tests.fixtures.lookup_world import EMILY, JAMES, OLIVER, Person, attendance, nhs_number
from tests.integration.hub_harness import TopicSet, hub_app, run_worker
from tests.integration.kafka_reading import read_all

ORGANISATIONS = """code,type,name,email,escalation_email
RXX01,unscheduled-care,Leeds General Infirmary ED,safeguarding@rxx01.example.nhs.uk,
RYY02,unscheduled-care,Wharfe Valley Minor Injury Unit,safeguarding@ryy02.example.nhs.uk,
383,local-authority,Leeds,front-door@leeds.example.org.uk,duty-manager@leeds.example.org.uk
B86001,gp-practice,Park Lane Surgery,b86001@gp.example.nhs.uk,
B86002,gp-practice,Hill Top Surgery,b86002@gp.example.nhs.uk,
107001,school,Hill Top Primary,dsl@107001.example.org.uk,head@107001.example.org.uk
107002,school,Moor Lane Academy,dsl@107002.example.org.uk,head@107002.example.org.uk
WYP,police,West Yorkshire Police,referrals@wyp.example.police.uk,
"""
SCHOOLS = [
    {
        "urn": "107001",
        "name": "Hill Top Primary",
        "dsl_name": "Pat Lead",
        "dsl_email": "dsl@107001.example.org.uk",
        "la_code": "383",
    },
    {
        "urn": "107002",
        "name": "Moor Lane Academy",
        "dsl_name": "Sam Lead",
        "dsl_email": "dsl@107002.example.org.uk",
        "la_code": "383",
    },
]
SOCIAL_WORKER = "alex@la.example.org.uk"
OLIVER_UPRN = "100012349999"
# Half term in this test's calendar: Monday 26 to Friday 30 October 2026.
CALENDAR = SchoolCalendar(holidays=(HolidayRange(date(2026, 10, 26), date(2026, 10, 30)),))


def _school_row(
    person: Any,
    urn: str,
    name: str,
    upn: str,
    day: str,
    session: str,
    code: str,
    uprn: str = "100012345678",
) -> str:
    return (
        f"{urn},{name},{upn},P-{person.given},{person.family},{person.given},{person.dob},"
        f"{person.postcode},{uprn},{day},{session},{code},1,{day}T10:00:00+00:00"
    )


def _write_plan(root: Path) -> list[tuple[str, Path]]:
    (root / "cp.csv").write_text(native.CSC_HEADER + "\n" + native.CSC_PLAN_STARTED + "\n")
    return [("csc", root / "cp.csv")]


def _write_phase_one(root: Path) -> list[tuple[str, Path]]:
    rows = [
        _school_row(
            JAMES,
            "107001",
            "Hill Top Primary",
            make_upn("383", "2001", 15, 1),
            "2026-11-16",
            "AM",
            "O",
        ),
        _school_row(
            JAMES,
            "107001",
            "Hill Top Primary",
            make_upn("383", "2001", 15, 1),
            "2026-11-17",
            "PM",
            "O",
        ),
        _school_row(
            EMILY,
            "107002",
            "Moor Lane Academy",
            make_upn("383", "2002", 17, 2),
            "2026-11-16",
            "AM",
            "I",
        ),
        _school_row(
            OLIVER,
            "107001",
            "Hill Top Primary",
            make_upn("383", "2001", 14, 3),
            "2026-10-20",
            "AM",
            "I",
            OLIVER_UPRN,
        ),
    ]
    (root / "school.csv").write_text(native.SCHOOL_HEADER + "\n" + "\n".join(rows) + "\n")
    nai = attendance(
        OLIVER,
        "V3001",
        "202611190900",
        "RYY02",
        "Wharfe Valley Minor Injury Unit",
        "MIU",
        gp="B86002",
    )
    nai = nai.replace("ZSG|first|Y|Y|N|N", "ZSG|first|Y|Y|Y|N")
    (root / "ae.hl7").write_text(attendance(JAMES, "V3000", "202611181000") + nai)
    return [("school", root / "school.csv"), ("ae", root / "ae.hl7")]


def _write_phase_two(root: Path) -> list[tuple[str, Path]]:
    friday = dict(
        native.POLICE_GOOD,
        incident_reference="WYP-20261120-000007",
        incident_time="2026-11-20T19:30:00+00:00",
        recorded_time="2026-11-20T20:10:00+00:00",
        risk_level="medium",
        children=[
            dict(native.POLICE_GOOD["children"][0], nhs_number=JAMES.nhs),  # type: ignore[index]
            {
                "person_reference": "WYP-P-2",
                "nhs_number": EMILY.nhs,
                "given_name": "Emily",
                "family_name": "Smith",
                "date_of_birth": EMILY.dob,
                "present": False,
                "resident": True,
                "voice": None,
            },
        ],
    )
    half_term = dict(
        native.POLICE_GOOD,
        incident_reference="WYP-20261028-000003",
        incident_time="2026-10-28T21:00:00+00:00",
        recorded_time="2026-10-28T22:00:00+00:00",
        risk_level="standard",
        location={"uprn": OLIVER_UPRN, "address": "2 Test Row, Leeds", "postcode": OLIVER.postcode},
        children=[
            {
                "person_reference": "WYP-P-3",
                "nhs_number": OLIVER.nhs,
                "given_name": "Oliver",
                "family_name": "Brown",
                "date_of_birth": OLIVER.dob,
                "present": True,
                "resident": True,
                "voice": None,
            },
        ],
    )
    document = {"force": "WYP", "system": "NICHE", "notifications": [friday, half_term]}
    (root / "police.json").write_text(json.dumps(document))
    return [("police", root / "police.json")]


@dataclass
class Pipeline:
    bootstrap: str
    root: Path
    topics: TopicSet
    app: HubApplication
    store: AlertStore
    audit: AuditLog
    raiser: AlertRaiser
    clock: MovableClock
    mailbox: Mailbox
    smtp_port: int
    alerts_topic: str
    dead_letter_topic: str
    delivered: list[dict[str, int]] = field(default_factory=list)

    def publish(self, files: list[tuple[str, Path]]) -> None:
        with EventPublisher(self.bootstrap, self.root / "ledger.sqlite") as publisher:
            for agency, path in files:
                export = ADAPTERS[agency].read(path)
                report = publisher.publish(agency, path, self.topics.agency(agency), export)
                assert report.rejected == [], [r.describe() for r in report.rejected]

    def ingest(self) -> None:
        run_worker(self.bootstrap, self.root / "data", self.topics, f"{self.topics.prefix}hub")

    def raise_and_publish(self) -> int:
        raised = self.raiser.raise_pending()
        publisher = AlertPublisher(self.store, self.bootstrap, self.alerts_topic)
        publisher.publish_pending()
        publisher.close()
        return raised

    def deliver(
        self,
        group: str,
        *,
        smtp: bool = True,
        webhook: WebhookTarget | None = None,
        ledger: str = "deliveries.sqlite",
    ) -> dict[str, int]:
        config = DeliveryConfig(
            bootstrap_servers=self.bootstrap,
            ledger_path=self.root / ledger,
            smtp=SmtpSettings(
                "127.0.0.1", self.smtp_port, "alerts@hub.example.org.uk", starttls=False
            )
            if smtp
            else None,
            webhook=webhook,
            topic=self.alerts_topic,
            dead_letter_topic=self.dead_letter_topic,
            group_id=group,
            retry=RetryPolicy(max_attempts=3, base_seconds=0.01, cap_seconds=0.05),
        )
        # Delivery records each delivery in the audit log, through its own connection to it.
        audit = open_audit_log(Settings(data_dir=self.root / "data", kafka_bootstrap="unused"))
        service = AlertDeliveryService(config, audit=audit)
        try:
            stats = service.run(until_idle=True, idle_seconds=2.0).as_dict()
        finally:
            service.close()
        return stats


@pytest.fixture(scope="module")
def pipeline(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    root = tmp_path_factory.mktemp("alerts")
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    topics = TopicSet.fresh()
    data = root / "data"
    loader = hub_app(data, worker=False)
    loader.load_schools(SCHOOLS)
    loader.close()
    app = hub_app(data, worker=False)
    store = AlertStore(root / "alerts.sqlite")
    audit = open_audit_log(Settings(data_dir=data, kafka_bootstrap="unused"))
    directory = OrganisationDirectory.parse(ORGANISATIONS)
    context = AlertContext(directory, app.school, siblings_loader(app), CALENDAR, "383")
    clock = MovableClock(datetime(2026, 11, 20, tzinfo=UTC))
    # Fixed dates in the past: no entry here is treated as history, however late this runs.
    raiser = AlertRaiser(
        app,
        store,
        audit,
        load_policy(),
        load_alert_rules(),
        context,
        directory,
        clock=clock.now,
        max_age=timedelta(days=3650),
    )
    line = Pipeline(
        kafka_bootstrap,
        root,
        topics,
        app,
        store,
        audit,
        raiser,
        clock,
        mailbox,
        port,
        f"{topics.prefix}hub.alerts",
        f"{topics.prefix}hub.alerts.dead-letter",
    )
    # The plan is known before the attendances and absences, as it would be in life.
    line.publish(_write_plan(root))
    line.ingest()
    line.raise_and_publish()
    line.publish(_write_phase_one(root))
    line.ingest()
    line.raise_and_publish()
    line.publish(_write_phase_two(root))
    line.ingest()
    line.raise_and_publish()
    line.delivered.append(line.deliver(f"{topics.prefix}delivery"))
    yield line
    controller.stop()
    store.close()
    audit.close()
    app.close()


def _alerts(pipeline: Pipeline, rule_prefix: str) -> list[Any]:
    return [a for a in pipeline.store.select() if a.rule_id.startswith(rule_prefix)]


def _recorded_on(alert: Any, day: str) -> bool:
    """The agency recorded the alert's source record on ``day``."""
    return str(alert.routing["source_recorded_at"]).startswith(day)


def test_attendance_of_a_child_on_a_plan_tells_the_social_worker(pipeline: Pipeline) -> None:
    """A1: James (on a plan) attends A&E; his social worker gets an email, policy-filtered."""
    alerts = _alerts(pipeline, "a1-")
    everything = [(a.rule_id, a.recipient.kind, a.nhs_number) for a in pipeline.store.select()]
    assert [(a.nhs_number, a.recipient.email) for a in alerts] == [(JAMES.nhs, SOCIAL_WORKER)], (
        everything
    )
    mails = [
        m for m in pipeline.mailbox.to(SOCIAL_WORKER) if alerts[0].alert_id in m["X-Hub-Alert-Id"]
    ]
    assert len(mails) == 1
    body = mails[0].get_payload()
    assert JAMES.nhs in body and "Leeds General Infirmary ED" in body
    assert "James" not in body and "Smith" not in body  # children are never named in alerts


def test_suspected_nai_is_urgent_to_the_front_door_and_the_gp(pipeline: Pipeline) -> None:
    """A5: Oliver (no social worker) -> the LA front door and his registered GP, urgent."""
    alerts = _alerts(pipeline, "a5-")
    assert {a.recipient.email for a in alerts} == {
        "front-door@leeds.example.org.uk",
        "b86002@gp.example.nhs.uk",
    }
    assert {a.urgency for a in alerts} == {"urgent"}
    for alert in alerts:
        assert len(pipeline.mailbox.to(alert.recipient.email or "")) >= 1


def test_siblings_at_two_schools_each_reach_their_own_school(pipeline: Pipeline) -> None:
    """P4: one notification at the home reaches James's and Emily's different schools."""
    friday = [a for a in _alerts(pipeline, "p4-") if _recorded_on(a, "2026-11-20")]
    assert sorted((a.nhs_number, a.recipient.organisation) for a in friday) == sorted(
        [(JAMES.nhs, "107001"), (EMILY.nhs, "107002")]
    )
    for alert in friday:
        mails = [
            m
            for m in pipeline.mailbox.to(alert.recipient.email or "")
            if m["X-Hub-Alert-Id"] == alert.alert_id
        ]
        assert len(mails) == 1


def test_friday_evening_notification_is_due_before_monday_school(pipeline: Pipeline) -> None:
    """Operation Encompass: Friday 20:10 -> before Monday 08:45; sent at once, not held."""
    friday = [a for a in _alerts(pipeline, "p4-") if _recorded_on(a, "2026-11-20")]
    monday = datetime.combine(date(2026, 11, 23), time(8, 45), ENGLAND)
    assert {datetime.fromisoformat(a.deliver_by or "") for a in friday} == {monday}


def test_half_term_notification_is_due_before_the_first_day_back(pipeline: Pipeline) -> None:
    """A notification in half term is due before school starts on the first day back."""
    oliver = [a for a in _alerts(pipeline, "p4-") if a.nhs_number == OLIVER.nhs]
    assert len(oliver) == 1
    assert datetime.fromisoformat(oliver[0].deliver_by or "") == datetime.combine(
        date(2026, 11, 2), time(8, 45), ENGLAND
    )
    # Standard risk: the school learns only that there was an incident (P2).
    assert oliver[0].content is not None and oliver[0].content["disclosure"] == "fact-only"


def test_entries_received_long_after_they_happened_do_not_alert(pipeline: Pipeline) -> None:
    """A baseline load or backfill (stored > 7 days after it was recorded) is history."""
    directory = OrganisationDirectory.parse(ORGANISATIONS)
    context = AlertContext(directory, pipeline.app.school, siblings_loader(pipeline.app), CALENDAR)
    store = AlertStore(pipeline.root / "history-alerts.sqlite")
    raiser = AlertRaiser(
        pipeline.app, store, pipeline.audit, load_policy(), load_alert_rules(), context, directory
    )
    raiser.raise_pending()
    # The half-term notification (recorded 28 October) reached the hub weeks later.
    assert [
        a for a in store.select() if a.nhs_number == OLIVER.nhs and a.rule_id.startswith("p4")
    ] == []
    assert [a for a in _alerts(pipeline, "p4-") if a.nhs_number == OLIVER.nhs]
    store.close()


def test_absences_on_a_plan_tell_the_social_worker_once(pipeline: Pipeline) -> None:
    """S1: the second unauthorised session in a week raises one alert, not one per session."""
    alerts = _alerts(pipeline, "s1-unauthorised")
    assert [(a.nhs_number, a.recipient.email) for a in alerts] == [(JAMES.nhs, SOCIAL_WORKER)]


def test_every_alert_is_audited_with_its_policy_decision(pipeline: Pipeline) -> None:
    """Every alert raised is in the audit log once, with rule, lawful basis and policy version."""
    audited = {
        r.payload["alert_id"]: r.payload
        for kind in ("alert-raised", "alert-unrouted")
        for r in pipeline.audit.records(kind)
    }
    stored = {
        a.alert_id for a in pipeline.store.select("escalation_level = 0 AND state != 'refused'")
    }
    assert stored == set(audited)
    for payload in audited.values():
        assert payload["policy_version"] and payload["decision"] in (
            "full",
            "minimised",
            "fact-only",
        )


def test_every_email_delivery_is_audited_once_with_the_child_and_lawful_basis(
    pipeline: Pipeline,
) -> None:
    """Each alert emailed is an alert-delivered record naming the child, address and basis."""
    delivered = [r.payload for r in pipeline.audit.records("alert-delivered")]
    emails = [d for d in delivered if d["channel"] == "email"]
    sent = {m["X-Hub-Alert-Id"] for m in pipeline.mailbox.messages}
    assert sent == {d["alert_id"] for d in emails}
    assert len(emails) == len({d["alert_id"] for d in emails})  # once, redelivery or not
    by_id = {a.alert_id: a for a in pipeline.store.select()}
    for record in emails:
        alert = by_id[record["alert_id"]]
        assert (alert.child_id, alert.recipient.email) == (
            record["child_id"],
            record["to"]["email"],
        )
        assert record["lawful_basis"] == alert.decision["lawful_basis"]


def test_ig_lead_sees_the_childs_alerts_and_deliveries_in_sar_and_fhir(
    pipeline: Pipeline, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hub sar` for James lists his alerts and their email deliveries, to whom and why."""
    monkeypatch.setenv("HUB_DATA_DIR", str(pipeline.root / "data"))
    assert 0 == main(["sar", JAMES.nhs, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert {"alert-raised"} <= {row["kind"] for row in report["alerts"]}
    emailed = [row for row in report["deliveries"] if row["channel"] == "email"]
    assert SOCIAL_WORKER in {row["to"]["email"] for row in emailed}
    assert all(row["lawful_basis"] for row in emailed)
    assert 0 == main(["disclosures", "--kind", "deliveries", "--child", JAMES.nhs, "--json"])
    assert len(emailed) <= len(json.loads(capsys.readouterr().out))
    Bundle.model_validate(audit_bundle(pipeline.audit.records()))


def test_replays_and_redelivery_never_notify_twice(pipeline: Pipeline) -> None:
    """Re-ingesting from the start, re-raising and re-reading the alert topic send nothing new."""
    before = len(pipeline.mailbox.messages)
    alerts_before = len(pipeline.store.select())
    run_worker(
        pipeline.bootstrap,
        pipeline.root / "data",
        pipeline.topics,
        f"{pipeline.topics.prefix}replay-{uuid.uuid4().hex[:4]}",
    )
    assert pipeline.raise_and_publish() == 0
    # A new consumer group reads every alert again; the delivery ledger stops a second email.
    stats = pipeline.deliver(f"{pipeline.topics.prefix}delivery-again")
    assert stats["delivered"] == 0 and stats["duplicates"] > 0
    assert len(pipeline.mailbox.messages) == before
    assert len(pipeline.store.select()) == alerts_before


def test_unreachable_webhook_retries_then_dead_letters(pipeline: Pipeline) -> None:
    """A webhook nobody answers is tried with backoff, then each alert goes to the DLQ."""
    target = WebhookTarget(f"http://127.0.0.1:{free_port()}/alerts", b"secret", allow_http=True)
    stats = pipeline.deliver(
        f"{pipeline.topics.prefix}webhook",
        smtp=False,
        webhook=target,
        ledger="webhook-ledger.sqlite",
    )
    published = len(pipeline.store.select("published = 1"))
    assert stats["dead_lettered"] == published and stats["delivered"] == 0
    letters = read_all(pipeline.bootstrap, pipeline.dead_letter_topic)
    reasons = {dict(m.headers)["dlq-reason"].decode() for m in letters}
    assert reasons == {"webhook-gave_up"}
    failed = [r.payload for r in pipeline.audit.records("alert-delivery-failed")]
    assert published == len([f for f in failed if f["channel"] == "webhook"])
    assert {("gave_up", "127.0.0.1")} == {(f["status"], f["to"]["webhook"]) for f in failed}
    assert all(
        "attempt" in dict(m.headers)["dlq-detail"].decode() or dict(m.headers)["dlq-detail"]
        for m in letters
    )


def test_lookup_of_a_child_on_a_plan_alerts_the_social_worker(pipeline: Pipeline) -> None:
    """A1 / CP-IS parity: an A&E lookup through the hub becomes an alert to the social worker."""
    service = ChildLookupService(
        pipeline.app,
        load_policy(),
        pipeline.audit,
        OrganisationDirectory.parse(ORGANISATIONS),
        lambda: datetime(2026, 11, 21, 3, 0, tzinfo=UTC),
    )
    desk = CertifiedIdentity("ae-desk-1", "RXX01", "unscheduled-care-clinician")
    answer = service.lookup(desk, LookupQuery(nhs_number=JAMES.nhs))
    assert answer.access_notified
    assert pipeline.raiser.raise_access_notifications() == 1
    assert pipeline.raiser.raise_access_notifications() == 0  # its position is kept
    alert = _alerts(pipeline, "a1-access")[0]
    assert alert.recipient.email == SOCIAL_WORKER
    assert alert.content is not None and "Leeds General Infirmary ED" in alert.content["summary"]


def test_inbox_streams_alerts_and_takes_acknowledgements(pipeline: Pipeline) -> None:
    """The gRPC inbox (mutual TLS) lists what the policy decided for the caller; ack works.

    The lead social worker sees their own alerts and the authority's team alerts; a
    colleague at the same authority sees the team alerts but not Alex's own.
    """
    certs = pipeline.root / "certs"
    create_authority(certs)
    issue_server(certs)
    issue_client(certs, CertifiedIdentity(SOCIAL_WORKER, "383", "social-worker"))
    issue_client(certs, CertifiedIdentity("sam", "383", "social-worker"))
    directory = OrganisationDirectory.parse(ORGANISATIONS)
    lookup = ChildLookupService(pipeline.app, load_policy(), pipeline.audit, directory)
    inbox = inbox_service(pipeline.store, pipeline.audit, directory, pipeline.raiser.acknowledge)
    server, port = create_server(
        "127.0.0.1:0", lookup, ServerTls.in_directory(certs), extra_services=[inbox]
    )

    def stub_for(user: str) -> tuple[grpc.Channel, Any]:
        channel = grpc.secure_channel(
            f"127.0.0.1:{port}",
            ClientTls(
                certs / "ca.pem", certs / f"client-{user}.pem", certs / f"client-{user}.key"
            ).credentials(),
            [("grpc.ssl_target_name_override", "localhost")],
        )
        return channel, inbox_pb2_grpc.AlertInboxStub(channel)  # type: ignore[no-untyped-call]

    channel, stub = stub_for(SOCIAL_WORKER)
    colleague_channel, colleague = stub_for("sam")
    try:
        streamed = list(stub.Watch(inbox_pb2.WatchRequest(pending_only=True), timeout=10))
        team = {
            a.alert_id
            for a in pipeline.store.select("state = 'raised'")
            if (a.recipient.organisation, a.recipient.role) == ("383", "social-worker")
            and a.recipient.kind != "lead-social-worker"
        }
        own = {
            a.alert_id
            for a in pipeline.store.select("state = 'raised'")
            if a.recipient.kind == "lead-social-worker" and a.recipient.email == SOCIAL_WORKER
        }
        expected = team | own
        assert {a.alert_id for a in streamed} == expected and team and own
        seen_by_colleague = list(
            colleague.Watch(inbox_pb2.WatchRequest(pending_only=True), timeout=10)
        )
        assert {a.alert_id for a in seen_by_colleague} == team
        chosen = sorted(own)[0]
        with pytest.raises(grpc.RpcError) as refused:
            colleague.Acknowledge(inbox_pb2.AcknowledgeRequest(alert_id=chosen), timeout=10)
        assert refused.value.code() is grpc.StatusCode.NOT_FOUND
        reply = stub.Acknowledge(inbox_pb2.AcknowledgeRequest(alert_id=chosen), timeout=10)
        assert reply.state == ACKNOWLEDGED and reply.acknowledged_by == f"{SOCIAL_WORKER}@383"
        again = list(stub.Watch(inbox_pb2.WatchRequest(pending_only=True), timeout=10))
        assert chosen not in {a.alert_id for a in again}
        delivered = [
            r.payload
            for r in pipeline.audit.records("alert-delivered")
            if r.payload["channel"] == "inbox"
        ]
        assert {d["alert_id"] for d in delivered if d["to"]["user"] == SOCIAL_WORKER} == expected
        assert {d["alert_id"] for d in delivered if d["to"]["user"] == "sam"} == team
    finally:
        channel.close()
        colleague_channel.close()
        server.stop(0)


def test_escalation_fires_after_the_deadline_and_not_before(pipeline: Pipeline) -> None:
    """Urgent: the manager after 1 hour, then the duty team; an acknowledged one never."""
    urgent = next(a for a in _alerts(pipeline, "a5-") if a.recipient.kind == "duty-team")
    gp_alert = next(a for a in _alerts(pipeline, "a5-") if a.recipient.kind == "registered-gp")
    raised = datetime.fromisoformat(urgent.raised_at)
    pipeline.clock.set(raised + timedelta(minutes=59))
    pipeline.raiser.escalate_due()
    assert [e for e in pipeline.store.select() if e.escalates == urgent.alert_id] == []
    pipeline.raiser.acknowledge(gp_alert.alert_id, "gp-1")
    pipeline.clock.set(raised + timedelta(minutes=61))
    pipeline.raiser.escalate_due()
    first = [e for e in pipeline.store.select() if e.escalates == urgent.alert_id]
    assert [(e.escalation_level, e.recipient.email) for e in first] == [
        (1, "duty-manager@leeds.example.org.uk")
    ]
    assert [e for e in pipeline.store.select() if e.escalates == gp_alert.alert_id] == []
    pipeline.clock.set(raised + timedelta(hours=2, minutes=1))
    pipeline.raiser.escalate_due()
    pipeline.raiser.escalate_due()  # running again changes nothing
    levels = sorted(
        e.escalation_level for e in pipeline.store.select() if e.escalates == urgent.alert_id
    )
    assert levels == [1, 2]
    assert pipeline.store.get(gp_alert.alert_id).state == ACKNOWLEDGED  # type: ignore[union-attr]
    escalated = [
        r.payload
        for r in pipeline.audit.records("alert-escalated")
        if r.payload["escalates"] == urgent.alert_id
    ]
    assert len(escalated) == 2
    acks = [r.payload for r in pipeline.audit.records("alert-acknowledged")]
    assert [a["alert_id"] for a in acks].count(gp_alert.alert_id) == 1
    pipeline.raise_and_publish()
    pipeline.deliver(f"{pipeline.topics.prefix}delivery")
    assert pipeline.mailbox.to("duty-manager@leeds.example.org.uk")


def test_school_learned_after_a_police_notification_is_still_told(pipeline: Pipeline) -> None:
    """P4: the hub learns Ava's school only after the notification; the school is told then."""
    ava = Person(nhs_number("943478000"), "Ava", "Green", "2016-05-05", "LS9 9ZZ")
    police_file = pipeline.root / "police-ava.json"
    notification = dict(
        native.POLICE_GOOD,
        incident_reference="WYP-20261121-000011",
        incident_time="2026-11-21T18:00:00+00:00",
        recorded_time="2026-11-21T19:00:00+00:00",
        risk_level="high",
        location={"uprn": "100012347777", "address": "3 Test Row, Leeds", "postcode": ava.postcode},
        children=[
            {
                "person_reference": "WYP-P-9",
                "nhs_number": ava.nhs,
                "given_name": ava.given,
                "family_name": ava.family,
                "date_of_birth": ava.dob,
                "present": True,
                "resident": True,
                "voice": None,
            },
        ],
    )
    police_file.write_text(
        json.dumps({"force": "WYP", "system": "NICHE", "notifications": [notification]})
    )
    pipeline.publish([("police", police_file)])
    pipeline.ingest()
    pipeline.raise_and_publish()
    assert [a for a in _alerts(pipeline, "p4-") if a.nhs_number == ava.nhs] == []  # no school yet
    school_file = pipeline.root / "school-ava.csv"
    row = _school_row(
        ava,
        "107002",
        "Moor Lane Academy",
        make_upn("383", "2002", 16, 9),
        "2026-11-23",
        "AM",
        "I",
        "100012347777",
    )
    school_file.write_text(native.SCHOOL_HEADER + "\n" + row + "\n")
    pipeline.publish([("school", school_file)])
    pipeline.ingest()
    pipeline.raise_and_publish()
    told = [a for a in _alerts(pipeline, "p4-") if a.nhs_number == ava.nhs]
    assert [(a.recipient.organisation, a.urgency) for a in told] == [("107002", "urgent")]
    assert pipeline.raise_and_publish() == 0
