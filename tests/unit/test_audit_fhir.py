"""The FHIR export: every kind of audit record becomes an AuditEvent valid under FHIR R4.

Validation uses fhir.resources' R4B models (its R4B AuditEvent has R4's elements,
cardinalities and types: R4B changed no AuditEvent element), offline.
"""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from hub.audit.fhir import SHAPES, audit_bundle, audit_event
from hub.audit.kinds import KINDS
from hub.audit.records import AuditRecord
from tests.fixtures.audit_records import EXAMPLES, example_records

R4_AUDIT_EVENT_ELEMENTS = {
    "type", "subtype", "action", "period", "recorded", "outcome", "outcomeDesc",
    "purposeOfEvent", "agent", "source", "entity",
}  # fmt: skip


def _details(event: dict[str, Any]) -> dict[str, str]:
    return {d["type"]: d["valueString"] for d in event["entity"][-1]["detail"]}


def test_every_record_kind_has_an_example_and_an_event_shape() -> None:
    """A new kind of record needs an example here and a FHIR shape before it can be exported."""
    assert set(KINDS) == set(EXAMPLES)
    assert set(KINDS) == set(SHAPES)


@pytest.mark.parametrize("record", example_records(), ids=lambda r: r.kind)
def test_each_kind_is_a_valid_fhir_r4_audit_event(record: AuditRecord) -> None:
    """The AuditEvent of each kind parses under the FHIR structure definition, nothing extra."""
    event = audit_event(record)
    parsed = AuditEvent.model_validate(event)
    assert parsed.recorded is not None
    assert record.recorded_at[:19] == parsed.recorded.isoformat()[:19]
    assert set() == set(event) - R4_AUDIT_EVENT_ELEMENTS - {"resourceType", "id", "meta"}
    assert record.kind == event["subtype"][-1]["code"]


def test_the_bundle_of_every_kind_is_a_valid_fhir_bundle() -> None:
    """The export of all the examples is one valid collection Bundle, one entry per record."""
    bundle = Bundle.model_validate(audit_bundle(example_records()))
    assert len(EXAMPLES) == len(bundle.entry or [])


def test_an_invalid_event_is_caught_by_the_validation() -> None:
    """The validation can fail: an outcome given as a number, or an unknown element."""
    event = audit_event(example_records()[0])
    with pytest.raises(ValidationError):
        AuditEvent.model_validate({**event, "outcome": 4})
    with pytest.raises(ValidationError):
        AuditEvent.model_validate({**event, "recipient": "dr-a"})


def test_a_tls_refusal_names_the_certificate_presented() -> None:
    """Subject, issuer, serial and SHA-256 fingerprint of the rejected certificate are details."""
    [record] = [r for r in example_records() if r.kind == "access-refused"]
    event = audit_event(record)
    details = _details(event)
    assert "CN=Another CA" == details["certificate-issuer"]
    assert "ab" * 32 == details["certificate-sha256"]
    assert ("4", "110114") == (event["outcome"], event["type"]["code"])
    assert "127.0.0.1" == event["agent"][1]["network"]["address"]


def test_a_failed_delivery_is_a_serious_failure_and_a_delivery_names_the_recipient() -> None:
    """A delivery that failed is outcome 8 with the reason; a delivery names where it went."""
    by_kind = {record.kind: audit_event(record) for record in example_records()}
    failed = by_kind["alert-delivery-failed"]
    assert ("8", "HTTP 503") == (failed["outcome"], failed["outcomeDesc"])
    delivered = by_kind["alert-delivered"]
    assert "duty@leeds.example" == delivered["agent"][1]["who"]["identifier"]["value"]
    assert "0" == delivered["outcome"]


def test_refusals_of_each_sort_are_minor_failures() -> None:
    """Policy, authorisation and authentication refusals are outcome 4; grants are 0."""
    by_kind = {record.kind: audit_event(record) for record in example_records()}
    assert "4" == by_kind["alert-refused"]["outcome"]
    assert "4" == by_kind["break-glass-refused"]["outcome"]
    assert "0" == by_kind["break-glass"]["outcome"]
    assert "110127" in {c["code"] for c in by_kind["break-glass"]["subtype"]}


def test_a_refused_disclosure_without_rule_or_basis_is_still_valid() -> None:
    """A refusal names no rule and no lawful basis; those details are left out, not empty."""
    refused = {**EXAMPLES["disclosure"], "decision": "refuse", "rule": None}
    refused |= {"lawful_basis": None, "lawful_basis_text": None, "reason": "no rule lets gp"}
    event = audit_event(AuditRecord(7, "2026-12-04T10:00:00+00:00", "disclosure", refused, "", "h"))
    AuditEvent.model_validate(event)
    assert "rule" not in _details(event)
    assert ("4", "no rule lets gp") == (event["outcome"], event["outcomeDesc"])
