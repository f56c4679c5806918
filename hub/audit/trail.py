"""The audit trail as the IG lead reads it: every kind of record, selected, summarised, per child.

``select`` filters records of any kind (``hub disclosures``); ``party``, ``outcome`` and
``describe`` say who each record is about, what happened and why, whatever its kind;
``subject_access`` gathers everything about one child (``hub sar``): the decisions to
share or not, the alerts raised and their deliveries (joined by alert id, which records
written before deliveries named the child do not carry), access to the child's record,
break-glass cases and identity decisions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from hub.audit.kinds import KINDS, refusal
from hub.audit.records import AuditRecord

# Identifiers that tie a record to others about the same child (a delivery to its alert).
JOIN_KEYS = ("alert_id", "case_id", "lookup_id")
# Alert records whose payload holds the policy's decision to share (and its lawful basis).
ALERTS_SHARED = frozenset({"alert-raised", "alert-unrouted", "alert-escalated"})


@dataclass(frozen=True)
class TrailFilter:
    """What the IG lead asked for; None (or empty) means any."""

    kinds: frozenset[str] = frozenset()
    child_id: str | None = None
    recipient: str | None = None
    organisation: str | None = None
    decision: str | None = None
    lawful_basis: str | None = None
    since: str | None = None
    until: str | None = None
    refusals_only: bool = False

    def as_record(self) -> dict[str, Any]:
        """The filters given, for the audit record of the view."""
        shown = {
            "kinds": sorted(self.kinds),
            "child_id": self.child_id,
            "recipient": self.recipient,
            "organisation": self.organisation,
            "decision": self.decision,
            "lawful_basis": self.lawful_basis,
            "since": self.since,
            "until": self.until,
            "refusals_only": self.refusals_only,
        }
        return {key: value for key, value in shown.items() if value not in (None, [], False)}


def party(record: AuditRecord) -> dict[str, str]:
    """Who the record is about: the recipient, caller, viewer or person who acted."""
    p = record.payload
    for key in ("recipient", "viewer", "caller"):
        who = p.get(key)
        if isinstance(who, dict):
            return {
                "id": str(who.get("id") or who.get("user") or ""),
                "role": str(who.get("role") or ""),
                "organisation": str(who.get("organisation") or ""),
            }
    to = p.get("to")
    if isinstance(to, dict):
        return {
            "id": str(to.get("user") or to.get("email") or to.get("webhook") or ""),
            "role": str(to.get("role") or ""),
            "organisation": str(to.get("organisation") or ""),
        }
    certificate = p.get("certificate")
    if isinstance(certificate, dict):
        return {"id": str(certificate.get("subject") or ""), "role": "", "organisation": ""}
    if record.kind == "access-to-service":
        return {
            "id": str(p.get("accessing_user") or ""),
            "role": str(p.get("accessing_role") or ""),
            "organisation": str(p.get("accessing_organisation") or ""),
        }
    for key in ("acknowledged_by", "reviewer", "by"):
        if p.get(key):
            return {"id": str(p[key]), "role": "", "organisation": ""}
    return {"id": "", "role": "", "organisation": ""}


def outcome(record: AuditRecord) -> str:
    """A word or two for what happened: the decision, status or outcome the record holds."""
    p = record.payload
    for key in ("decision", "status", "outcome"):
        value = p.get(key)
        if isinstance(value, str) and value:
            return value
    return record.kind.rsplit("-", 1)[-1]


def reason(record: AuditRecord) -> str:
    """Why: the lawful basis for a disclosure, else the reason or refusal given."""
    p = record.payload
    for key in ("lawful_basis", "reason", "refusal", "review", "rule_id", "reason_code"):
        value = p.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def matches(record: AuditRecord, wanted: TrailFilter) -> bool:
    p = record.payload
    who = party(record)
    checks = [
        (wanted.child_id, p.get("child_id")),
        (wanted.recipient, who["id"]),
        (wanted.organisation, who["organisation"]),
        (wanted.decision, p.get("decision")),
        (wanted.lawful_basis, p.get("lawful_basis")),
    ]
    if any(want is not None and want != actual for want, actual in checks):
        return False
    if wanted.kinds and record.kind not in wanted.kinds:
        return False
    if wanted.since and record.recorded_at < wanted.since:
        return False
    if wanted.until and record.recorded_at >= wanted.until:
        return False
    return not wanted.refusals_only or refusal(record.kind, p) is not None


def select(records: Iterable[AuditRecord], wanted: TrailFilter) -> list[AuditRecord]:
    return [record for record in records if matches(record, wanted)]


def row(record: AuditRecord) -> dict[str, Any]:
    """One record for ``--json``: its place, kind, group and refusal type, then its payload.

    A payload field of the same name as one of these (an unresolved alert's ``kind`` is the
    chronology entry's) is kept with ``payload_`` before its name.
    """
    shown: dict[str, Any] = {
        "seq": record.seq,
        "recorded_at": record.recorded_at,
        "kind": record.kind,
        "group": KINDS[record.kind].group if record.kind in KINDS else "unknown",
        "refusal_type": refusal(record.kind, record.payload),
    }
    for key, value in record.payload.items():
        shown[f"payload_{key}" if key in shown else key] = value
    return shown


def describe(record: AuditRecord) -> str:
    """One line: when, kind, outcome, what about, who, why."""
    p = record.payload
    who = party(record)
    named = who["id"] or "-"
    if who["role"] or who["organisation"]:
        named += f" ({', '.join(part for part in (who['role'], who['organisation']) if part)})"
    what = p.get("category") or p.get("rule_id") or p.get("call") or p.get("view") or ""
    child = f" child {p['child_id']}" if p.get("child_id") else ""
    why = reason(record)
    certificate = p.get("certificate")
    presented = ""
    if isinstance(certificate, dict):
        presented = (
            f" [certificate {certificate.get('subject')}, issuer {certificate.get('issuer')}, "
            f"serial {certificate.get('serial')}, sha256 {certificate.get('sha256')}]"
        )
    return (
        f"{record.recorded_at[:19]}  {record.kind:<26} {outcome(record):<10} {what}{child} "
        f"{named}{': ' + why if why else ''}{presented}"
    )


def subject_access(records: list[AuditRecord], child_id: str) -> dict[str, Any]:
    """Everything the log holds about one child, by group, each record as ``row`` gives it.

    A record that names the child is included, and so is any record naming an alert,
    break-glass case or lookup such a record names (a delivery of the child's alert).
    Deliveries carry the lawful basis of the alert they delivered.
    """
    about = [record for record in records if record.payload.get("child_id") == child_id]
    joined = {
        (key, record.payload[key])
        for record in about
        for key in JOIN_KEYS
        if record.payload.get(key) is not None
    }
    basis: dict[str, tuple[Any, Any]] = {
        record.payload["alert_id"]: (
            record.payload["lawful_basis"],
            record.payload.get("lawful_basis_text"),
        )
        for record in about
        if record.kind in ALERTS_SHARED and record.payload.get("lawful_basis")
    }
    chosen = [
        record
        for record in records
        if record.payload.get("child_id") == child_id
        or any(
            record.payload.get(key) is not None and (key, record.payload[key]) in joined
            for key in JOIN_KEYS
        )
    ]
    report: dict[str, Any] = {
        "child_id": child_id,
        "disclosures": [],
        "alerts": [],
        "deliveries": [],
        "other": [],
    }
    for record in chosen:
        shown = row(record)
        group = shown["group"]
        if group == "deliveries":
            lawful_basis, text = basis.get(record.payload.get("alert_id", ""), (None, None))
            if not shown.get("lawful_basis"):
                shown["lawful_basis"] = lawful_basis
            shown.setdefault("lawful_basis_text", text)
            report["deliveries"].append(shown)
        elif record.kind == "disclosure":
            report["disclosures"].append(shown)
        elif group == "alerts":
            report["alerts"].append(shown)
        else:
            report["other"].append(shown)
    return report
