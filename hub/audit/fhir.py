"""Disclosure records as FHIR R4 AuditEvent resources (IHE BALP "PrivacyDisclosure" shape).

Other audit repositories can take the hub's disclosure log in a standard
form: one AuditEvent per decision, with the recipient as the receiving
agent, the child as the patient entity, the purpose of use, the rule and
lawful basis, and refusals as outcome 4 (minor failure) with the reason.
"""

from __future__ import annotations

from typing import Any

from hub.audit.chain import AuditRecord

DCM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_EVENT_TYPE = "http://terminology.hl7.org/CodeSystem/audit-event-type"
BALP_PROFILE = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.PrivacyDisclosure.Recipient"
PURPOSE_OF_USE = {
    "direct-care": ("TREAT", "treatment"),
    "safeguarding": ("HPRGRP", "health program reporting / safeguarding"),
    "referral-feedback": ("COC", "coordination of care"),
}


def audit_event(record: AuditRecord, hub_identifier: str = "safeguarding-hub") -> dict[str, Any]:
    payload = record.payload
    recipient = payload["recipient"]
    refused = payload["decision"] == "refuse"
    purpose_code, purpose_display = PURPOSE_OF_USE.get(
        payload["purpose"], (payload["purpose"], payload["purpose"])
    )
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"hub-audit-{record.seq}",
        "meta": {"profile": [BALP_PROFILE]},
        "type": {"system": DCM, "code": "110106", "display": "Export"},
        "subtype": [{"system": "urn:ihe:iti:balp", "code": "PrivacyDisclosure"}],
        "action": "R",
        "recorded": record.recorded_at,
        "outcome": "4" if refused else "0",
        "outcomeDesc": payload["reason"] if refused else f"disclosed: {payload['decision']}",
        "purposeOfEvent": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ActReason",
                        "code": purpose_code,
                        "display": purpose_display,
                    }
                ]
            }
        ],
        "agent": [
            {
                "type": {
                    "coding": [{"system": DCM, "code": "110153", "display": "Source Role ID"}]
                },
                "who": {"identifier": {"value": hub_identifier}},
                "requestor": False,
            },
            {
                "type": {
                    "coding": [{"system": DCM, "code": "110152", "display": "Destination Role ID"}]
                },
                "who": {
                    "identifier": {"value": recipient["id"]},
                    "display": recipient["organisation"],
                },
                "role": [{"text": recipient["role"]}],
                "requestor": True,
            },
        ],
        "source": {"observer": {"identifier": {"value": hub_identifier}}},
        "entity": [
            {
                "what": {
                    "identifier": {
                        "system": "urn:safeguarding-hub:child",
                        "value": payload["child_id"],
                    }
                },
                "type": {
                    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
                    "code": "1",
                },
                "role": {
                    "system": "http://terminology.hl7.org/CodeSystem/object-role",
                    "code": "1",
                    "display": "Patient",
                },
            },
            {
                "what": {
                    "identifier": {
                        "system": "urn:safeguarding-hub:event",
                        "value": payload["event_id"],
                    }
                },
                "description": payload["category"],
                "detail": [
                    {"type": "decision", "valueString": payload["decision"]},
                    {"type": "rule", "valueString": payload["rule"] or ""},
                    {"type": "lawful-basis", "valueString": payload["lawful_basis_text"] or ""},
                    {"type": "policy-version", "valueString": payload["policy_version"]},
                    {"type": "audit-hash", "valueString": record.hash},
                    *_withheld(payload),
                ],
            },
        ],
    }
    return event


def _withheld(payload: dict[str, Any]) -> list[dict[str, str]]:
    """One detail per sensitivity label that kept fields back: the label and the fields."""
    withheld = payload.get("withheld_fields") or {}
    return [
        {"type": f"withheld-by-label:{label}", "valueString": ", ".join(fields)}
        for label, fields in sorted(withheld.items())
    ]


def audit_bundle(records: list[AuditRecord]) -> dict[str, Any]:
    """A FHIR collection Bundle of AuditEvents, one per disclosure record."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": audit_event(record)} for record in records],
    }
