"""Every kind of record the audit log holds: what it records, its group, which are refusals.

The log refuses to append a kind not named here (``AuditLog.append_batch``), so a new
kind of record is decided here, and the IG lead's views take their list from here:
``hub disclosures --kind`` (its choices and its help), ``hub sar`` and the FHIR export.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Groups, in the order the IG lead's views list them.
GROUPS = (
    "decisions",
    "access",
    "alerts",
    "deliveries",
    "emergency-access",
    "identity",
    "oversight",
)


@dataclass(frozen=True)
class RecordKind:
    name: str
    group: str
    description: str


KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind(
            "disclosure",
            "decisions",
            "a decision to share, or not to share, one item about a child (policy refusals "
            "have decision refuse)",
        ),
        RecordKind("ig-review", "decisions", "a decision queued for the IG lead's review"),
        RecordKind("lookup", "access", "a lookup or view request, and whether a child was found"),
        RecordKind(
            "access-refused",
            "access",
            "a call refused before any data was read: authentication (TLS, certificate) or "
            "authorisation (role, organisation, purpose)",
        ),
        RecordKind(
            "access-to-service",
            "access",
            "the responsible authority is told its child was looked up",
        ),
        RecordKind("alert-raised", "alerts", "an alert raised for a recipient, through the policy"),
        RecordKind("alert-refused", "alerts", "an alert the policy let nothing of out (not sent)"),
        RecordKind(
            "alert-unrouted", "alerts", "an alert nobody responsible was found for (duty operator)"
        ),
        RecordKind("alert-escalated", "alerts", "an alert escalated on its missed deadline"),
        RecordKind("alert-superseded", "alerts", "an alert replaced by a better-routed one"),
        RecordKind(
            "alert-recipient-unresolved",
            "alerts",
            "a rule found nobody to tell in this case, and why (recorded only)",
        ),
        RecordKind("alert-acknowledged", "alerts", "an alert acknowledged by its recipient"),
        RecordKind(
            "alert-delivered", "deliveries", "an alert delivered: by email, webhook or the inbox"
        ),
        RecordKind(
            "alert-delivery-failed",
            "deliveries",
            "an alert that could not be delivered on a channel, with the reason",
        ),
        RecordKind(
            "break-glass", "emergency-access", "emergency access granted, for a limited time"
        ),
        RecordKind(
            "break-glass-refused", "emergency-access", "emergency access asked for and refused"
        ),
        RecordKind(
            "break-glass-review", "emergency-access", "the IG lead's review of emergency access"
        ),
        RecordKind(
            "identity-decision",
            "identity",
            "a person's identity decision: a case linked, a new child, an identifier unlinked, "
            "doubts settled",
        ),
        RecordKind(
            "audit-view", "oversight", "the IG lead viewed the audit trail (this view included)"
        ),
        RecordKind("audit-key-rotation", "oversight", "the audit signing key was replaced"),
    )
}
KIND_NAMES = frozenset(KINDS)

# Refusals of each sort, as the IG lead asks for them (``hub disclosures --refusals``).
AUTHENTICATION_STATUSES = frozenset({"UNAUTHENTICATED", "UNAVAILABLE"})


class UnknownRecordKindError(ValueError):
    """A record of a kind ``hub.audit.kinds`` does not name (so no IG view could show it)."""


def check_kind(kind: str) -> None:
    if kind not in KIND_NAMES:
        raise UnknownRecordKindError(
            f"audit record kind {kind!r} is not in hub.audit.kinds.KINDS; add it there so "
            "the IG lead's views can select it"
        )


def refusal(kind: str, payload: dict[str, Any]) -> str | None:
    """What sort of refusal a record is: authentication, authorisation or policy; else None."""
    if kind == "access-refused":
        if payload.get("stage") == "tls" or payload.get("status") in AUTHENTICATION_STATUSES:
            return "authentication"
        return "authorisation"
    if kind == "break-glass-refused":
        return "authorisation"
    if kind in ("disclosure", "alert-refused") and payload.get("decision") == "refuse":
        return "policy"
    return None


def kinds_help() -> str:
    """The kinds by group, one line each, for ``--help``."""
    lines = []
    for group in GROUPS:
        names = ", ".join(k.name for k in KINDS.values() if k.group == group)
        lines.append(f"{group}: {names}")
    return "; ".join(lines)
