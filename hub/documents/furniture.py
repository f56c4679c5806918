"""What every page of a document says about itself: by whom, for whom, when, under which policy.

The page numbers ("page X of Y") are added by the layout; the rest is fixed when a
document is issued, before it is rendered, so the document id printed on each page is
the one the audit log records with the file's SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from hub.policy.engine import Recipient

LOCAL_TIME = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class Furniture:
    document_id: str
    kind: str  # court-chronology, subject-access-report, case-review-index
    title: str
    generated_by: str
    for_whom: str
    generated_at: datetime
    policy_version: str
    language: str = "en-GB"

    @property
    def generated_text(self) -> str:
        return local_time(self.generated_at.isoformat())


def for_whom(recipient: Recipient, purpose: str) -> str:
    """The recipient as a page names them: identity, role, organisation, purpose."""
    return (
        f"{recipient.id} ({recipient.role}, {recipient.organisation}; "
        f"{recipient.relationship.replace('-', ' ')}) for {purpose.replace('-', ' ')}"
    )


def local_time(text: str) -> str:
    """An ISO instant as England's local date and time (``2026-11-01 08:10``); a date as is."""
    if "T" not in text:
        return text[:10]
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        return moment.strftime("%Y-%m-%d %H:%M")
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M")
