"""What a lookup answers, as plain data (the gRPC layer copies it into protobuf messages)."""

from __future__ import annotations

from dataclasses import dataclass, field

NO_RECORD_NOTICE = (
    "No record held for these details. This does not mean there is no concern: if you are "
    "worried about this child, follow your local safeguarding procedures and contact the local "
    "authority's children's services."
)
AMBIGUOUS_NOTICE = (
    "These details could belong to more than one child, so nothing is shown: the hub will not "
    "guess. Ask for the NHS number, or check the name, date of birth and postcode."
)


@dataclass(frozen=True)
class MatchResult:
    outcome: str  # matched | no-record-held | ambiguous
    method: str  # nhs-number | demographics
    confidence: str = ""
    score: float = 0.0
    candidates: int = 0
    explanation: str = ""


@dataclass(frozen=True)
class PlanView:
    category: str = ""
    start_date: str = ""
    end_date: str = ""
    unborn: bool = False


@dataclass(frozen=True)
class ContactView:
    responsible_authority: str = ""
    office_hours_phone: str = ""
    out_of_hours_phone: str = ""
    social_worker: str = ""
    social_worker_email: str = ""


@dataclass(frozen=True)
class AttendanceView:
    date: str
    site_code: str = ""
    site_name: str = ""
    site_type: str = ""
    attendance_category: str = ""


@dataclass(frozen=True)
class RiskCueView:
    code: str
    description: str
    disclosure: str


@dataclass
class LookupAnswer:
    lookup_id: str
    match: MatchResult
    policy_version: str
    status_disclosed: bool = False
    on_plan: bool = False
    current_plan: PlanView | None = None
    plans_ended_last_12_months: list[PlanView] = field(default_factory=list)
    looked_after: bool = False
    contact: ContactView | None = None
    attendances: list[AttendanceView] = field(default_factory=list)
    cues: list[RiskCueView] = field(default_factory=list)
    withheld: int = 0
    notice: str = ""
    access_notified: bool = False
    child_id: str = ""  # the hub's pseudonymous id of the child matched (never sent over gRPC)
