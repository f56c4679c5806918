"""Audit records as FHIR R4 AuditEvent resources, in the shapes of IHE BALP.

Other audit repositories can take the hub's whole trail in a standard form: one
AuditEvent per record, of every kind ``hub.audit.kinds`` names. Each kind has an event
type (DICOM audit codes, as BALP uses them), a BALP profile where one fits, and the
record's kind as a second subtype (``urn:safeguarding-hub:audit-kind``), so the export
loses nothing of the kind. Disclosures keep the PrivacyDisclosure shape: the recipient
as the receiving agent, the child as the patient entity, the purpose of use, the rule
and lawful basis, refusals as outcome 4 (minor failure) with the reason. Requests
(lookups, refused calls, break glass, identity decisions, views of the trail) name the
person or certificate that asked as the requesting agent, with its network address; a
refusal at the TLS stage carries the certificate's subject, issuer, serial and
SHA-256 fingerprint as details. A delivery that failed is outcome 8 (serious failure).
Every other field of the record follows as an entity detail.
"""

from __future__ import annotations

import json
from typing import Any

from hub.audit.kinds import KINDS, refusal
from hub.audit.records import AuditRecord
from hub.audit.trail import party

DCM = "http://dicom.nema.org/resources/ontology/DCM"
HUB_KIND = "urn:safeguarding-hub:audit-kind"
BALP = "https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit"
BALP_PROFILE = f"{BALP}.PrivacyDisclosure.Recipient"
PURPOSE_OF_USE = {
    "direct-care": ("TREAT", "treatment"),
    "safeguarding": ("HPRGRP", "health program reporting / safeguarding"),
    "referral-feedback": ("COC", "coordination of care"),
    "operations": ("HOPERAT", "healthcare operations"),
    "routing": ("HOPERAT", "healthcare operations"),
    "oversight": ("HOPERAT", "healthcare operations: information governance"),
    "subject-access": ("PATRQT", "patient requested"),
}
# DICOM event types (code, display), the action (C R U D E) and the BALP profile, by kind.
EXPORT = ("110106", "Export")
QUERY = ("110112", "Query")
SECURITY_ALERT = ("110113", "Security Alert")
AUTHENTICATION = ("110114", "User Authentication")
ACTIVITY = ("110100", "Application Activity")
PATIENT_RECORD = ("110110", "Patient Record")
AUDIT_LOG_USED = ("110101", "Audit Log Used")
SHAPES: dict[str, tuple[tuple[str, str], str, str | None]] = {
    "disclosure": (EXPORT, "R", BALP_PROFILE),
    "ig-review": (EXPORT, "R", None),
    "document-issued": (EXPORT, "C", None),
    "lookup": (QUERY, "E", f"{BALP}.Query"),
    "access-refused": (SECURITY_ALERT, "E", None),
    "access-to-service": (EXPORT, "C", BALP_PROFILE),
    "alert-raised": (EXPORT, "C", BALP_PROFILE),
    "alert-refused": (EXPORT, "C", BALP_PROFILE),
    "alert-unrouted": (EXPORT, "C", BALP_PROFILE),
    "alert-escalated": (EXPORT, "C", BALP_PROFILE),
    "alert-superseded": (ACTIVITY, "U", None),
    "alert-recipient-unresolved": (ACTIVITY, "E", None),
    "alert-acknowledged": (ACTIVITY, "U", None),
    "alert-delivered": (EXPORT, "E", BALP_PROFILE),
    "alert-delivery-failed": (EXPORT, "E", None),
    "break-glass": (SECURITY_ALERT, "E", None),
    "break-glass-refused": (SECURITY_ALERT, "E", None),
    "break-glass-review": (ACTIVITY, "U", None),
    "identity-decision": (PATIENT_RECORD, "U", None),
    "audit-view": (AUDIT_LOG_USED, "R", None),
    "audit-key-rotation": (SECURITY_ALERT, "U", None),
    "mi-report": (EXPORT, "R", None),
}
# DICOM subtypes of some kinds.
SUBTYPES = {
    "break-glass": ("110127", "Emergency Override Started"),
    "break-glass-refused": ("110127", "Emergency Override Started"),
    "audit-key-rotation": ("110129", "Security Configuration"),
}
RECIPIENT_GROUPS = frozenset({"decisions", "alerts", "deliveries"})
# Fields shown elsewhere in the event, not repeated as details.
MAPPED = frozenset({"child_id", "recipient", "caller", "viewer", "to", "purpose", "certificate"})
DISCLOSURE_DETAILS = frozenset({"decision", "rule", "lawful_basis_text", "policy_version"})


def _coding(system: str, code: str, display: str | None = None) -> dict[str, str]:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _event_type(record: AuditRecord) -> tuple[dict[str, str], list[dict[str, str]], str]:
    """The type, subtypes and action of the record's event."""
    (code, display), action, _ = SHAPES[record.kind]
    subtypes = []
    if record.kind == "access-refused":
        if refusal(record.kind, record.payload) == "authentication":
            code, display = AUTHENTICATION
            subtypes.append(_coding(DCM, "110122", "Login"))
        else:
            subtypes.append(_coding(DCM, "110132", "Use of Restricted Function"))
    if record.kind in SUBTYPES:
        subtypes.append(_coding(DCM, *SUBTYPES[record.kind]))
    if SHAPES[record.kind][2] == BALP_PROFILE:
        subtypes.append(_coding("urn:ihe:iti:balp", "PrivacyDisclosure"))
    subtypes.append(_coding(HUB_KIND, record.kind, KINDS[record.kind].description))
    return _coding(DCM, code, display), subtypes, action


def _outcome(record: AuditRecord) -> tuple[str, str]:
    """FHIR R4 outcome (0 success, 4 minor failure, 8 serious failure) and its description."""
    p = record.payload
    if record.kind == "alert-delivery-failed":
        return "8", str(p.get("reason") or p.get("status") or "not delivered")
    if refusal(record.kind, p) is not None or p.get("outcome") == "refused":
        return "4", str(p.get("reason") or p.get("refusal") or "refused")
    if record.kind == "disclosure":
        return "0", f"disclosed: {p['decision']}"
    return "0", str(p.get("outcome") or p.get("status") or record.kind)


def _network(peer: Any) -> dict[str, str] | None:
    """The caller's IP address from a peer (``1.2.3.4:5``, ``ipv4:1.2.3.4:5``), if any."""
    if not isinstance(peer, str) or not (peer[:1].isdigit() or peer.startswith("ipv")):
        return None
    address = peer.removeprefix("ipv4:").removeprefix("ipv6:").rsplit(":", 1)[0]
    return {"address": address, "type": "2"}


def _agents(record: AuditRecord, hub_identifier: str) -> list[dict[str, Any]]:
    group = KINDS[record.kind].group
    to_recipient = group in RECIPIENT_GROUPS or record.kind == "access-to-service"
    hub_role = ("110153", "Source Role ID") if to_recipient else ("110152", "Destination Role ID")
    agents: list[dict[str, Any]] = [
        {
            "type": {"coding": [_coding(DCM, *hub_role)]},
            "who": {"identifier": {"value": hub_identifier}},
            "requestor": False,
        }
    ]
    who = party(record)
    certificate = record.payload.get("certificate")
    if not who["id"] and not certificate:
        return agents
    other_role = ("110152", "Destination Role ID") if to_recipient else ("110153", "Source Role ID")
    agent: dict[str, Any] = {
        "type": {"coding": [_coding(DCM, *other_role)]},
        "who": {"identifier": {"value": who["id"] or "unidentified"}},
        "requestor": True,
    }
    if who["organisation"]:
        agent["who"]["display"] = who["organisation"]
    if who["role"]:
        agent["role"] = [{"text": who["role"]}]
    if isinstance(certificate, dict) and certificate.get("sha256"):
        agent["altId"] = f"sha256:{certificate['sha256']}"
    network = _network(record.payload.get("peer"))
    if network:
        agent["network"] = network
    agents.append(agent)
    return agents


def _detail_value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _details(record: AuditRecord) -> list[dict[str, str]]:
    """The record's fields as entity details; disclosures in their established order first."""
    p = record.payload
    details: list[dict[str, str]] = []
    if record.kind == "disclosure":
        details += [
            {"type": "decision", "valueString": p["decision"]},
            {"type": "rule", "valueString": p["rule"]},
            {"type": "lawful-basis", "valueString": p["lawful_basis_text"]},
            {"type": "policy-version", "valueString": p["policy_version"]},
        ]
    details.append({"type": "audit-hash", "valueString": record.hash})
    details += _withheld(p)
    shown = DISCLOSURE_DETAILS if record.kind == "disclosure" else frozenset()
    certificate = p.get("certificate")
    if isinstance(certificate, dict):
        details += [
            {"type": f"certificate-{key}", "valueString": _detail_value(value)}
            for key, value in sorted(certificate.items())
            if value is not None
        ]
    for key, value in sorted(p.items()):
        if key in MAPPED or key in shown or value is None or key == "withheld_fields":
            continue
        details.append({"type": key, "valueString": _detail_value(value)})
    # A FHIR string is never empty: a field with nothing in it is left out.
    return [d for d in details if d["valueString"]]


def audit_event(record: AuditRecord, hub_identifier: str = "safeguarding-hub") -> dict[str, Any]:
    """One record of any kind as a FHIR R4 AuditEvent."""
    payload = record.payload
    event_type, subtypes, action = _event_type(record)
    outcome, description = _outcome(record)
    event: dict[str, Any] = {
        "resourceType": "AuditEvent",
        "id": f"hub-audit-{record.seq}",
        "type": event_type,
        "subtype": subtypes,
        "action": action,
        "recorded": record.recorded_at,
        "outcome": outcome,
        "outcomeDesc": description,
        "agent": _agents(record, hub_identifier),
        "source": {"observer": {"identifier": {"value": hub_identifier}}},
        "entity": [],
    }
    profile = SHAPES[record.kind][2]
    if profile:
        event["meta"] = {"profile": [profile]}
    purpose = payload.get("purpose")
    if isinstance(purpose, str) and purpose:
        code, display = PURPOSE_OF_USE.get(purpose, (purpose, purpose))
        event["purposeOfEvent"] = [
            {
                "coding": [
                    _coding("http://terminology.hl7.org/CodeSystem/v3-ActReason", code, display)
                ]
            }
        ]
    if payload.get("child_id"):
        event["entity"].append(
            {
                "what": {
                    "identifier": {
                        "system": "urn:safeguarding-hub:child",
                        "value": payload["child_id"],
                    }
                },
                "type": _coding(
                    "http://terminology.hl7.org/CodeSystem/audit-entity-type", "1", "Person"
                ),
                "role": _coding(
                    "http://terminology.hl7.org/CodeSystem/object-role", "1", "Patient"
                ),
            }
        )
    reference = payload.get("event_id") or payload.get("alert_id") or payload.get("case_id")
    which = "event" if payload.get("event_id") else "record"
    event["entity"].append(
        {
            "what": {
                "identifier": {
                    "system": "urn:safeguarding-hub:" + which,
                    "value": str(reference or f"audit-{record.seq}"),
                }
            },
            "type": _coding(
                "http://terminology.hl7.org/CodeSystem/audit-entity-type", "2", "System Object"
            ),
            "description": str(payload.get("category") or KINDS[record.kind].description),
            "detail": _details(record),
        }
    )
    return event


def _withheld(payload: dict[str, Any]) -> list[dict[str, str]]:
    """One detail per sensitivity label that kept fields back: the label and the fields."""
    withheld = payload.get("withheld_fields") or {}
    if not isinstance(withheld, dict):
        return []
    return [
        {"type": f"withheld-by-label:{label}", "valueString": ", ".join(fields)}
        for label, fields in sorted(withheld.items())
    ]


def audit_bundle(records: list[AuditRecord]) -> dict[str, Any]:
    """A FHIR collection Bundle of AuditEvents, one per record."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": audit_event(record)} for record in records],
    }
