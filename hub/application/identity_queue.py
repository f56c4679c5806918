"""The identity queue as a person sees it: each candidate child decided by the policy, audited.

Naming a candidate child to the person deciding is a disclosure about that child
(kind ``identity-case``): each is decided by ``hub.policy`` for the recipient and
every decision, refusals included, is written to the audit log in one append.
A refused candidate is counted, never named. ``hub identity queue`` and the web
console's identity page both read the queue through ``disclosed_queue``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hub.application.disclosure import disclosure_record
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.chronology import ChronologyEntry
from hub.domain.errors import ChildNotFoundError
from hub.domain.identity import Demographics
from hub.policy.engine import Recipient, decide
from hub.policy.model import ChildFacts, Disclosure, Policy


@dataclass
class QueuedCase:
    case_id: str
    agency: str
    reason: str
    held: dict[str, Any]  # where the held message came from (topic, partition, offset)
    candidates: list[dict[str, Any]] = field(default_factory=list)  # those the policy let out
    withheld_candidates: int = 0
    held_subject: Demographics | None = None  # filled in when asked for (the web page)

    def as_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "agency": self.agency,
            "reason": self.reason,
            "candidates": self.candidates,
            "withheld_candidates": self.withheld_candidates,
            "held": self.held,
        }


def disclosed_queue(
    app: HubApplication,
    policy: Policy,
    audit: AuditLog,
    recipient: Recipient,
    purpose: str = "operations",
    *,
    with_demographics: bool = False,
) -> list[QueuedCase]:
    """Open cases; ``with_demographics``: the held record's and each shown candidate's too."""
    cases: list[QueuedCase] = []
    records: list[dict[str, Any]] = []
    for case in app.open_cases():
        queued = QueuedCase(
            str(case.id),
            case.agency,
            case.reason,
            {k: v for k, v in case.held_message.items() if k != "value"},
        )
        for candidate in case.candidates:
            entry = ChronologyEntry.from_hub(
                f"identity-case/{case.id}", "identity-case", source_reference=str(case.id)
            )
            decision = decide(policy, recipient, purpose, entry, ChildFacts())
            child_id = UUID(str(candidate["child_id"]))
            records.append(
                disclosure_record(
                    policy, recipient, purpose, child_id, entry.event_id, entry.kind, [], decision
                )
            )
            if decision.disclose is Disclosure.REFUSE:
                queued.withheld_candidates += 1
                continue
            shown = dict(candidate)
            if with_demographics:
                try:
                    shown["demographics"] = app.get_child(child_id).demographics
                except ChildNotFoundError:
                    shown["demographics"] = None
            queued.candidates.append(shown)
        if with_demographics:
            queued.held_subject = app.held_subject(case)
        cases.append(queued)
    if records:
        audit.append("disclosure", records)
    return cases
