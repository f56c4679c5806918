"""Emergency ("break glass") access: granted for a limited time, always recorded, always reviewed.

Grants and reviews are records in the tamper-evident audit log itself, so the
IG lead's review queue, and what a recipient could see at any time, are
derived from the same evidence a case review would examine.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hub.audit.chain import AuditLog
from hub.domain.errors import HubError
from hub.policy.engine import Recipient
from hub.policy.model import Policy

GRANT = "break-glass"
REVIEW = "break-glass-review"
OUTCOMES = ("justified", "not-justified")


class BreakGlassRefusedError(HubError):
    """The request does not meet the policy's break-glass terms."""


@dataclass(frozen=True)
class Grant:
    case_id: str
    recipient_id: str
    child_id: str
    granted_until: str


def request_access(
    audit: AuditLog,
    policy: Policy,
    recipient: Recipient,
    child_id: str,
    reason_code: str,
    reason_text: str,
    now: datetime | None = None,
) -> Grant:
    terms = policy.break_glass
    if terms is None:
        raise BreakGlassRefusedError("the policy allows no break-glass access")
    problem = None
    if recipient.role not in terms.allowed_roles:
        problem = f"role {recipient.role} may not break glass"
    elif reason_code not in terms.reason_codes:
        problem = f"unknown reason code {reason_code!r}; codes: {sorted(terms.reason_codes)}"
    elif not reason_text.strip():
        problem = "a free-text reason is required"
    now = now or datetime.now(UTC)
    if problem is not None:
        audit.append(
            GRANT + "-refused",
            [
                {
                    "recipient": _who(recipient),
                    "child_id": child_id,
                    "reason_code": reason_code,
                    "refusal": problem,
                }
            ],
        )
        raise BreakGlassRefusedError(problem)
    grant = Grant(
        case_id=str(uuid.uuid4()),
        recipient_id=recipient.id,
        child_id=child_id,
        granted_until=(now + timedelta(minutes=terms.minutes)).isoformat(),
    )
    audit.append(
        GRANT,
        [
            {
                "case_id": grant.case_id,
                "recipient": _who(recipient),
                "child_id": child_id,
                "reason_code": reason_code,
                "reason_text": reason_text,
                "granted_at": now.isoformat(),
                "granted_until": grant.granted_until,
                "lawful_basis": terms.lawful_basis,
                "policy_version": policy.version,
            }
        ],
    )
    return grant


def active_grant(
    audit: AuditLog, recipient_id: str, child_id: str, now: datetime | None = None
) -> Grant | None:
    now_text = (now or datetime.now(UTC)).isoformat()
    for record in reversed(audit.records(GRANT)):
        payload = record.payload
        if (
            payload["recipient"]["id"] == recipient_id
            and payload["child_id"] == child_id
            and payload["granted_until"] > now_text
        ):
            return Grant(payload["case_id"], recipient_id, child_id, payload["granted_until"])
    return None


def active_grants(audit: AuditLog, recipient_id: str, now: datetime | None = None) -> list[Grant]:
    """Every grant of this recipient still in force (the console marks each page while any is)."""
    now_text = (now or datetime.now(UTC)).isoformat()
    return [
        Grant(p["case_id"], recipient_id, p["child_id"], p["granted_until"])
        for p in (record.payload for record in audit.committed_records(GRANT))
        if p["recipient"]["id"] == recipient_id and p["granted_until"] > now_text
    ]


def open_reviews(audit: AuditLog) -> list[dict[str, Any]]:
    reviewed = {record.payload["case_id"] for record in audit.records(REVIEW)}
    return [
        {"seq": record.seq, **record.payload}
        for record in audit.records(GRANT)
        if record.payload["case_id"] not in reviewed
    ]


def close_review(audit: AuditLog, case_id: str, outcome: str, reviewer: str, notes: str) -> None:
    if outcome not in OUTCOMES:
        raise BreakGlassRefusedError(f"outcome must be one of {OUTCOMES}")
    if not any(case["case_id"] == case_id for case in open_reviews(audit)):
        raise BreakGlassRefusedError(f"no open break-glass case {case_id}")
    audit.append(
        REVIEW, [{"case_id": case_id, "outcome": outcome, "reviewer": reviewer, "notes": notes}]
    )


def _who(recipient: Recipient) -> dict[str, str]:
    return {
        "id": recipient.id,
        "role": recipient.role,
        "organisation": recipient.organisation,
        "organisation_type": recipient.organisation_type,
        "relationship": recipient.relationship,
    }
