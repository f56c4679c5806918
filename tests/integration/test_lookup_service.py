"""The A&E lookup over real gRPC with mutual TLS (A1-A4): answers, refusals, audit, relay.

A real server is started on port 0 with certificates from a CA made at run time.
The store is SQLite in a temporary directory, loaded through the real adapters.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fhir.resources.R4B.bundle import Bundle
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from hub.access.certs import CertifiedIdentity, create_authority, issue_client, issue_server
from hub.access.organisations import OrganisationDirectory
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog, AuditRecord
from hub.audit.keys import audit_signing_key
from hub.audit.opening import open_audit_log
from hub.bootstrap import store_env
from hub.cli.main import main
from hub.config import Settings
from hub.lookup.access_relay import AccessNotificationRelay
from hub.lookup.client import ClientTls, LookupClient
from hub.lookup.proto import lookup_pb2
from hub.lookup.server import SERVICE_NAME, LookupServer, ServerTls, create_server
from hub.lookup.service import LOOKUP_ENTRY_KINDS, ChildLookupService
from hub.lookup.views import LookupViews
from hub.policy.loader import load_policy
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures.lookup_world import (
    DESK,
    EMILY,
    FACTS,
    GP,
    JAMES,
    LILY,
    NOW,
    OLIVER,
    ORGANISATIONS_CSV,
    SOCIAL_WORKER,
    UNKNOWN_NHS,
    load_world,
)
from tests.integration.kafka_reading import read_all

UNKNOWN_ORG = CertifiedIdentity("ae-desk-9", "RZZ99", "unscheduled-care-clinician")
SCHOOL = CertifiedIdentity("dsl-1", "107001", "school-dsl")
EXPIRED = CertifiedIdentity("ae-desk-old", "RXX01", "unscheduled-care-clinician")


def _issue_expired(certs: Path, identity: CertifiedIdentity) -> None:
    """A client certificate from the hub's own CA that expired yesterday."""
    ca = x509.load_pem_x509_certificate((certs / "ca.pem").read_bytes())
    ca_key = serialization.load_pem_private_key((certs / "ca.key").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, identity.user),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, identity.organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, identity.role),
        ]
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=30))
        .not_valid_after(now - timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (certs / f"client-{identity.user}.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
    )
    (certs / f"client-{identity.user}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


@dataclass
class Running:
    port: int
    certs: Path
    audit: AuditLog
    server: LookupServer
    rogue_certs: Path
    signing_key: Ed25519PrivateKey
    data_dir: Path

    def client(self, identity: CertifiedIdentity | None, certs: Path | None = None) -> LookupClient:
        directory = certs or self.certs
        if identity is None:
            tls = ClientTls(self.certs / "ca.pem")
        else:
            tls = ClientTls(
                self.certs / "ca.pem",
                directory / f"client-{identity.user}.pem",
                directory / f"client-{identity.user}.key",
            )
        return LookupClient(f"127.0.0.1:{self.port}", tls)

    def records(self, kind: str) -> list[AuditRecord]:
        return self.audit.records(kind)


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    root = tmp_path_factory.mktemp("lookup")
    certs = root / "certs"
    create_authority(certs)
    issue_server(certs)
    for identity in (DESK, GP, SOCIAL_WORKER, UNKNOWN_ORG, SCHOOL):
        issue_client(certs, identity)
    rogue = root / "rogue"
    create_authority(rogue, "Somebody Else's CA")
    issue_client(rogue, DESK)
    settings = Settings(data_dir=root / "data", kafka_bootstrap="unused:0")
    app = HubApplication(env=store_env(settings, worker=False), decode_fact=FACTS.decode_fact)
    load_world(app, root)
    audit = open_audit_log(settings)  # where `hub disclosures` finds it, with its key
    key = audit_signing_key(settings.data_dir / "keys")
    views = LookupViews(app, settings.lookup_views_path, LOOKUP_ENTRY_KINDS)  # as `hub serve`
    service = ChildLookupService(
        app,
        load_policy(),
        audit,
        OrganisationDirectory.parse(ORGANISATIONS_CSV),
        lambda: NOW,
        views=views,
    )
    server, port = create_server("127.0.0.1:0", service, ServerTls.in_directory(certs))
    _issue_expired(certs, EXPIRED)
    yield Running(port, certs, audit, server, rogue, key, settings.data_dir)
    server.stop(0)
    audit.close()
    views.close()
    app.close()


def _lookup_records(running: Running, lookup_id: str) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for record in running.audit.records():
        if record.payload.get("lookup_id") == lookup_id:
            found.setdefault(record.kind, []).append(record.payload)
    return found


def test_child_on_a_plan_seen_at_two_sites(running: Running) -> None:
    """A1-A4: plan, contacts, both sites' attendances, sibling and police cues; LA notified."""
    client = running.client(DESK)
    answer = client.by_nhs_number(JAMES.nhs)
    client.close()
    assert answer.match.outcome == lookup_pb2.MATCHED
    assert answer.match.method == "nhs-number"
    assert answer.on_plan and answer.current_plan.category == "NEGLECT"
    assert answer.current_plan.start_date == "2026-10-01"
    assert answer.contact.responsible_authority == "Leeds"
    assert answer.contact.out_of_hours_phone == "0113 000 0002"
    assert answer.contact.social_worker == "Alex Worker"
    assert [(a.date, a.site_code) for a in answer.attendances] == [
        ("2026-11-10", "RYY02"),
        ("2026-11-01", "RXX01"),
    ]  # the 2024 attendance is outside 12 months
    assert answer.attendances[0].site_name == "Wharfe Valley Minor Injury Unit"
    cues = {cue.code: cue for cue in answer.cues}
    assert set(cues) == {
        "repeat-attendance-different-sites",
        "sibling-attendance",
        "police-notification-at-home",
    }
    assert cues["police-notification-at-home"].disclosure == "fact-only"
    assert "high" not in cues["police-notification-at-home"].description.lower()
    assert "Leeds General Infirmary ED" in cues["sibling-attendance"].description
    assert EMILY.given not in str(answer)  # the sibling is never named
    assert answer.access_notified
    records = _lookup_records(running, answer.lookup_id)
    assert [r["outcome"] for r in records["lookup"]] == ["matched"]
    assert records["lookup"][0]["caller"]["organisation"] == "RXX01"
    assert {r["category"] for r in records["disclosure"]} == {
        "cp-status-current",
        "unscheduled-care-arrival",
        "domestic-abuse-notification",
        "sibling-unscheduled-care-arrival",
    }
    notice = records["access-to-service"][0]
    assert notice["responsible_authority"] == "383"
    assert notice["accessing_organisation"] == "RXX01"


def test_child_without_a_plan(running: Running) -> None:
    """No plan: said plainly, the attendance still shown (A3), no notification."""
    client = running.client(DESK)
    answer = client.by_nhs_number(OLIVER.nhs)
    client.close()
    assert answer.match.outcome == lookup_pb2.MATCHED
    assert answer.status_disclosed and not answer.on_plan and not answer.looked_after
    assert "No child protection plan" in answer.notice
    assert [a.date for a in answer.attendances] == ["2026-11-15"]
    assert not answer.access_notified
    assert "access-to-service" not in _lookup_records(running, answer.lookup_id)


def test_unknown_child_is_no_record_held_not_no_concern(running: Running) -> None:
    """An unknown NHS number: "no record held", and that this does not mean no concern."""
    client = running.client(DESK)
    answer = client.by_nhs_number(UNKNOWN_NHS)
    client.close()
    assert answer.match.outcome == lookup_pb2.NO_RECORD_HELD
    assert "does not mean there is no concern" in answer.notice
    assert not answer.attendances and not answer.on_plan
    records = _lookup_records(running, answer.lookup_id)
    assert records["lookup"][0]["outcome"] == "no-record-held"


def test_demographic_match_shows_its_confidence(running: Running) -> None:
    """Name, date of birth and postcode (typed loosely) find one child, and say how surely."""
    client = running.client(DESK)
    answer = client.by_demographics("james", "SMITH", JAMES.dob, "ls14ab")
    client.close()
    assert answer.match.outcome == lookup_pb2.MATCHED
    assert answer.match.method == "demographics"
    assert answer.match.confidence == "certain"
    assert answer.match.score == pytest.approx(3.0)
    assert answer.on_plan


def test_ambiguous_demographics_are_refused_not_guessed(running: Running) -> None:
    """Twins Lily and Lila: a misspelt "Lilo" could be either, so nothing is disclosed."""
    client = running.client(DESK)
    answer = client.by_demographics("Lilo", "Jones", LILY.dob, LILY.postcode)
    client.close()
    assert answer.match.outcome == lookup_pb2.AMBIGUOUS
    assert answer.match.candidates == 2
    assert not answer.attendances and not answer.status_disclosed and not answer.cues
    assert "will not guess" in answer.notice
    records = _lookup_records(running, answer.lookup_id)
    assert records["lookup"][0]["outcome"] == "ambiguous"
    assert "disclosure" not in records


def test_gp_makes_a_silent_read(running: Running) -> None:
    """A scheduled-care role (the registered GP) sees the plan; the LA is not notified."""
    client = running.client(GP)
    answer = client.by_nhs_number(JAMES.nhs)
    client.close()
    assert answer.on_plan
    assert not answer.access_notified
    records = _lookup_records(running, answer.lookup_id)
    assert records["lookup"][0]["caller"]["role"] == "gp"
    assert "access-to-service" not in records


def test_responsible_authority_social_worker_may_look_up_for_safeguarding(
    running: Running,
) -> None:
    """A social worker of the responsible authority, purpose safeguarding: a silent read."""
    client = running.client(SOCIAL_WORKER)
    answer = client.by_nhs_number(JAMES.nhs, purpose="safeguarding")
    client.close()
    assert answer.on_plan and len(answer.attendances) == 2
    assert not answer.access_notified


def _lookup_json(
    running: Running,
    arguments: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    monkeypatch.setenv("HUB_CERTS_DIR", str(running.certs))
    address = f"127.0.0.1:{running.port}"
    assert 0 == main(["lookup", *arguments, "--json", "--as", DESK.user, "--address", address])
    answer: dict[str, Any] = json.loads(capsys.readouterr().out)
    return answer


def test_lookup_json_prints_the_answer_as_data(
    running: Running, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub lookup --json` prints the plan, contact, attendances and cues the desk would read."""
    answer = _lookup_json(running, ["--nhs", JAMES.nhs], monkeypatch, capsys)
    assert ("MATCHED", "nhs-number") == (answer["match"]["outcome"], answer["match"]["method"])
    assert (True, "NEGLECT") == (answer["on_plan"], answer["current_plan"]["category"])
    assert "Leeds" == answer["contact"]["responsible_authority"]
    assert ["RYY02", "RXX01"] == [a["site_code"] for a in answer["attendances"]]
    assert 3 == len(answer["cues"])
    assert EMILY.given not in json.dumps(answer)  # the sibling is never named
    records = _lookup_records(running, answer["lookup_id"])
    assert ["matched"] == [r["outcome"] for r in records["lookup"]]


def test_lookup_json_holds_nothing_an_ambiguous_match_withholds(
    running: Running, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An ambiguous match in JSON carries the match, the notice and references: no status."""
    arguments = ["--name", "Lilo Jones", "--dob", LILY.dob, "--postcode", LILY.postcode]
    answer = _lookup_json(running, arguments, monkeypatch, capsys)
    assert {"lookup_id", "match", "notice", "policy_version"} == set(answer)
    assert "AMBIGUOUS" == answer["match"]["outcome"]


def _refused(running: Running, action: Any) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as caught:
        action()
    return caught.value


def _last_refusal(running: Running) -> dict[str, Any]:
    return running.records("access-refused")[-1].payload


def test_no_certificate_is_unauthenticated_and_audited(running: Running) -> None:
    """TLS without a client certificate: UNAUTHENTICATED, and an audit record says why."""
    client = running.client(None)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs))
    client.close()
    assert error.code() is grpc.StatusCode.UNAUTHENTICATED
    refusal = _last_refusal(running)
    assert refusal["status"] == "UNAUTHENTICATED"
    assert "certificate" in refusal["reason"]


def _handshake_refusals(running: Running, before: int) -> list[dict[str, Any]]:
    """The refusals recorded after the first ``before``, once the front has recorded one."""
    # The front audits the refused handshake on its own thread, as the client gives up.
    deadline = time.monotonic() + 5
    while not (refusals := running.records("access-refused")[before:]):
        assert time.monotonic() < deadline, "the refused handshake was not audited"
        time.sleep(0.05)
    return [r.payload for r in refusals]


def _fingerprint(path: Path) -> str:
    certificate = x509.load_pem_x509_certificate(path.read_bytes())
    return certificate.fingerprint(hashes.SHA256()).hex()


def test_certificate_from_another_ca_fails_the_handshake_and_is_audited(
    running: Running,
) -> None:
    """A certificate not issued by the hub's CA never gets a connection; it is audited in full."""
    before = len(running.records("access-refused"))
    client = running.client(DESK, certs=running.rogue_certs)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs, timeout=5))
    client.close()
    assert error.code() is grpc.StatusCode.UNAVAILABLE
    refusals = _handshake_refusals(running, before)
    assert {("tls", "tls-handshake", "UNAUTHENTICATED")} == {
        (r["stage"], r["call"], r["status"]) for r in refusals
    }
    refusal = refusals[0]
    assert (
        "client certificate rejected: unable to get local issuer certificate" == (refusal["reason"])
    )
    certificate = refusal["certificate"]
    assert "CN=Somebody Else's CA" == certificate["issuer"]
    assert "CN=ae-desk-1" in certificate["subject"]
    assert _fingerprint(running.rogue_certs / "client-ae-desk-1.pem") == certificate["sha256"]
    assert certificate["serial"]


def test_expired_certificate_fails_the_handshake_and_is_audited_with_its_details(
    running: Running,
) -> None:
    """A certificate the hub's CA issued that has expired: refused, the certificate recorded."""
    before = len(running.records("access-refused"))
    client = running.client(EXPIRED)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs, timeout=5))
    client.close()
    assert error.code() is grpc.StatusCode.UNAVAILABLE
    refusal = _handshake_refusals(running, before)[0]
    assert "client certificate rejected: certificate has expired" == refusal["reason"]
    assert "CN=Safeguarding Hub Demo CA" == refusal["certificate"]["issuer"]
    assert (
        _fingerprint(running.certs / "client-ae-desk-old.pem") == (refusal["certificate"]["sha256"])
    )


def test_unknown_organisation_is_refused_and_audited(running: Running) -> None:
    """A valid certificate naming an organisation outside the directory: PERMISSION_DENIED."""
    client = running.client(UNKNOWN_ORG)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs))
    client.close()
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    refusal = _last_refusal(running)
    assert refusal["caller"]["organisation"] == "RZZ99"
    assert "not in the hub's organisation directory" in refusal["reason"]
    assert "O=RZZ99" in refusal["certificate"]["subject"]
    assert _fingerprint(running.certs / "client-ae-desk-9.pem") == refusal["certificate"]["sha256"]


def test_role_that_may_not_look_up_is_refused_and_audited(running: Running) -> None:
    """A school DSL may not use the A&E lookup: PERMISSION_DENIED, audited with the role."""
    client = running.client(SCHOOL)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs))
    client.close()
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    refusal = _last_refusal(running)
    assert refusal["caller"]["role"] == "school-dsl"
    assert "may not make child-lookup calls" in refusal["reason"]


def test_wrong_purpose_for_the_role_is_refused(running: Running) -> None:
    """A clinician asking "for operations" is outside the call's terms."""
    client = running.client(DESK)
    error = _refused(running, lambda: client.by_nhs_number(JAMES.nhs, purpose="operations"))
    client.close()
    assert error.code() is grpc.StatusCode.PERMISSION_DENIED
    assert _last_refusal(running)["purpose"] == "operations"


def test_invalid_nhs_number_is_invalid_argument(running: Running) -> None:
    """A mistyped NHS number (bad check digit) is refused as such, not as "no record"."""
    client = running.client(DESK)
    error = _refused(running, lambda: client.by_nhs_number("9434765918"))
    client.close()
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_health_and_reflection_answer(running: Running) -> None:
    """Standard health checking says SERVING; reflection lists the lookup service."""
    client = running.client(None)
    assert client.health() == 1
    assert client.health(SERVICE_NAME) == 1
    client.close()
    channel = grpc.secure_channel(
        f"127.0.0.1:{running.port}",
        ClientTls(running.certs / "ca.pem").credentials(),
        [("grpc.ssl_target_name_override", "localhost")],
    )
    stub: Any = reflection_pb2_grpc.ServerReflectionStub(channel)
    replies = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    names = {s.name for reply in replies for s in reply.list_services_response.service}
    channel.close()
    assert {SERVICE_NAME, "grpc.health.v1.Health"} <= names


def _reflect(running: Running, service: str, request: Any) -> list[Any]:
    """One reflection request to ``service`` (v1 or v1alpha: the messages are the same)."""
    channel = grpc.secure_channel(
        f"127.0.0.1:{running.port}",
        ClientTls(running.certs / "ca.pem").credentials(),
        [("grpc.ssl_target_name_override", "localhost")],
    )
    call = channel.stream_stream(
        f"/{service}/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    replies = list(call(iter([request])))
    channel.close()
    return replies


def test_reflection_v1_lists_the_services(running: Running) -> None:
    """grpc.reflection.v1 (what grpcurl asks first) lists the lookup service and itself."""
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    [reply] = _reflect(running, "grpc.reflection.v1.ServerReflection", request)
    names = {s.name for s in reply.list_services_response.service}
    assert {SERVICE_NAME, "grpc.reflection.v1.ServerReflection"} <= names
    assert "grpc.reflection.v1alpha.ServerReflection" in names


def test_reflection_v1_describes_the_lookup_service_and_itself(running: Running) -> None:
    """v1 answers a file-containing-symbol request for the lookup and the v1 service."""
    for symbol in (SERVICE_NAME, "grpc.reflection.v1.ServerReflection"):
        request = reflection_pb2.ServerReflectionRequest(file_containing_symbol=symbol)
        [reply] = _reflect(running, "grpc.reflection.v1.ServerReflection", request)
        assert "file_descriptor_response" == reply.WhichOneof("message_response"), symbol
        files = [
            descriptor_pb2.FileDescriptorProto.FromString(raw)
            for raw in reply.file_descriptor_response.file_descriptor_proto
        ]
        package = symbol.rpartition(".")[0]
        assert package in {f.package for f in files}


def test_ig_lead_sees_every_refusal_in_disclosures_sar_and_fhir(
    running: Running, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`hub disclosures --refusals` shows each sort of refusal; all are valid FHIR AuditEvents."""
    for identity, certs in ((None, None), (DESK, running.rogue_certs), (EXPIRED, None)):
        client = running.client(identity, certs)
        _refused(running, lambda c=client: c.by_nhs_number(JAMES.nhs, timeout=5))
        client.close()
    for identity in (UNKNOWN_ORG, SCHOOL):
        client = running.client(identity)
        _refused(running, lambda c=client: c.by_nhs_number(JAMES.nhs))
        client.close()
    client = running.client(DESK)
    client.by_nhs_number(JAMES.nhs)
    client.close()
    time.sleep(0.5)  # the front records refused handshakes on its own threads
    monkeypatch.setenv("HUB_DATA_DIR", str(running.data_dir))
    assert 0 == main(["disclosures", "--refusals", "--json"])
    refusals = json.loads(capsys.readouterr().out)
    reasons = " | ".join(r["reason"] for r in refusals)
    for expected in (
        "a client certificate issued by the hub is required",
        "unable to get local issuer certificate",
        "certificate has expired",
        "not in the hub's organisation directory",
        "role school-dsl may not make child-lookup calls",
    ):
        assert expected in reasons
    assert {"authentication", "authorisation", "policy"} <= {r["refusal_type"] for r in refusals}
    assert all(r["certificate"]["sha256"] for r in refusals if r.get("stage") == "tls")
    assert 0 == main(["disclosures", "--fhir"])
    bundle = Bundle.model_validate(json.loads(capsys.readouterr().out))
    assert len(bundle.entry or []) > len(refusals)
    child_id = running.records("lookup")[-1].payload["child_id"]
    assert 0 == main(["sar", child_id, "--json"])
    report = json.loads(capsys.readouterr().out)
    assert {"lookup", "access-to-service"} <= {row["kind"] for row in report["other"]}


def test_audit_chain_verifies_after_the_lookups(running: Running) -> None:
    """Everything above is in one unbroken, signed hash chain."""
    running.audit.checkpoint()
    result = running.audit.verify(running.signing_key.public_key())
    assert result.ok, result.problems
    assert result.records > 20


def test_access_notifications_reach_kafka_once(
    running: Running, kafka_bootstrap: str, tmp_path: Path
) -> None:
    """The relay publishes each access-to-service record; a second run publishes nothing new."""
    client = running.client(DESK)
    answer = client.by_nhs_number(JAMES.nhs)
    client.close()
    topic = f"t{answer.lookup_id[:8]}.hub.access-to-service"
    relay = AccessNotificationRelay(
        running.audit, kafka_bootstrap, tmp_path / "relay.sqlite", topic
    )
    expected = len(running.records("access-to-service"))
    assert relay.relay_pending() == expected
    assert relay.relay_pending() == 0
    relay.close()
    again = AccessNotificationRelay(
        running.audit, kafka_bootstrap, tmp_path / "relay.sqlite", topic
    )
    assert again.relay_pending() == 0  # the position survives a restart
    again.close()
    codec = SingleObjectCodec(default_catalogue())
    messages = read_all(kafka_bootstrap, topic)
    decoded = [codec.decode(m.value).record for m in messages]
    assert len(decoded) == expected
    mine = [d for d in decoded if d["notification_id"] == answer.lookup_id]
    assert len(mine) == 1
    assert mine[0]["responsible_authority"] == "383"
    assert mine[0]["accessing_organisation"] == "RXX01"
    assert mine[0]["nhs_number"] == JAMES.nhs
