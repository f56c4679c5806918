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
            "a decision to share an item about a child, or not (decision refuse)",
        ),
        RecordKind("ig-review", "decisions", "a decision queued for the IG lead's review"),
        RecordKind(
            "document-issued",
            "decisions",
            "a signed document issued (court chronology, subject-access report, bundle index): "
            "its id, SHA-256, recipient and what it holds",
        ),
        RecordKind("lookup", "access", "a lookup or view request, and whether a child was found"),
        RecordKind(
            "access-refused",
            "access",
            "a call refused before any data was read: authentication or authorisation",
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
            "a person linked a case, made a new child, unlinked an identifier, settled doubts",
        ),
        RecordKind(
            "audit-view",
            "oversight",
            "a view of the audit trail: hub disclosures, hub sar, breakglass review",
        ),
        RecordKind("audit-key-rotation", "oversight", "the audit signing key was replaced"),
        RecordKind(
            "mi-report",
            "oversight",
            "a management-information report of aggregate figures: hub mi, the console's /mi",
        ),
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
    """Every kind by group, one a line with what it records, for ``--help``."""
    width = max(len(name) for name in KINDS) + 2
    lines = ["record kinds (--kind takes a kind or a group):"]
    for group in GROUPS:
        lines.append(f"  {group}")
        lines += [
            f"    {kind.name:<{width}}{kind.description}"
            for kind in KINDS.values()
            if kind.group == group
        ]
    return "\n".join(lines)
