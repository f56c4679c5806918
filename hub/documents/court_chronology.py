"""A court chronology (Public Law Outline practice) from what the policy released.

One row per entry in date order: date and time, source agency and organisation, what
happened (the hub's factual summary), its significance for the child, and the outcome
or action; withdrawn entries stay, marked with the reason. Plan, looked-after and
dual-plan periods are bands over the rows and a table of their own. Everything here is
read from the rendered entries (``render()``'s output), never from the child: what the
policy held back cannot reach the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.application.disclosure import DisclosedChronology
from hub.documents.furniture import local_time

STATUS_PREFIX = "cp-status-"
NOT_DISCLOSED = "not disclosed"
AGENCIES = {
    "EMERGENCY_CARE": "Unscheduled care",
    "POLICE": "Police",
    "SCHOOL": "School",
    "CHILDRENS_SOCIAL_CARE": "Children's social care",
    "HUB": "Safeguarding hub",
}
PLAN_STARTS = ("plan-started", "unborn-plan-started", "plan-reviewed")


@dataclass(frozen=True)
class Row:
    when: str
    source: str
    what: str
    significance: str
    outcome: str
    status: str  # the band the entry falls in: CP plan, looked after, dual plans, or ""
    held_back: str  # reason category of what the policy held back of it ("" when nothing)
    withdrawn: str | None  # why it was withdrawn (None: it stands)


@dataclass(frozen=True)
class Band:
    name: str  # "Child protection plan", "Looked after", "Dual plans"
    start: str
    end: str | None  # None: still in force at the end of the chronology
    note: str = ""


@dataclass(frozen=True)
class Period:
    start: date | None  # None: from the first entry
    end: date | None  # None: up to today

    def covers(self, occurred_at: str) -> bool:
        day = date.fromisoformat(occurred_at[:10])
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)

    @property
    def text(self) -> str:
        if self.start is None and self.end is None:
            return "all entries"
        start = self.start.isoformat() if self.start else "the first entry"
        return f"{start} to {self.end.isoformat() if self.end else 'the date of this document'}"


def last_two_years(today: date) -> Period:
    """Court practice: normally the last two years (earlier entries only when asked for)."""
    try:
        start = today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 2, day=28)
    return Period(start, None)


@dataclass(frozen=True)
class CourtChronology:
    identity: dict[str, Any]
    period: Period
    rows: list[Row]
    bands: list[Band]
    not_disclosed: list[tuple[str, int]]  # reason category, entries


def build(view: DisclosedChronology, identity: dict[str, Any], period: Period) -> CourtChronology:
    """The chronology's rows, bands and the count of what was not disclosed, by reason."""
    bands = status_bands(view.entries)
    rows = []
    for entry, held_back in zip(view.entries, _padded(view.held_back, view.entries), strict=True):
        if not period.covers(str(entry["occurred_at"])):
            continue  # a status entry from before the period: it only starts a band
        rows.append(_row(entry, held_back, bands))
    counts = Counter(view.refusals)
    return CourtChronology(identity, period, rows, bands, sorted(counts.items()))


def _padded(values: tuple[str, ...], entries: list[dict[str, Any]]) -> tuple[str, ...]:
    return values if len(values) == len(entries) else ("",) * len(entries)


def _row(entry: dict[str, Any], held_back: str, bands: list[Band]) -> Row:
    details: dict[str, Any] = entry.get("details") or {}
    occurred = str(entry["occurred_at"])
    organisation = entry.get("source_organisation")
    source = AGENCIES.get(str(entry.get("agency")), str(entry.get("agency")))
    if organisation:
        source += f", {organisation}"
    elif "source_organisation" not in entry and entry.get("disclosure") != "fact-only":
        source += f", organisation {NOT_DISCLOSED}"
    withdrawn = None
    if details.get("withdrawn"):
        withdrawn = str(details.get("withdrawn_reason") or "reason not disclosed")
    return Row(
        when=local_time(occurred),
        source=source,
        what=str(entry.get("summary") or NOT_DISCLOSED),
        significance=significance(entry),
        outcome=outcome(entry),
        status=_band_at(bands, occurred[:10]),
        held_back=held_back,
        withdrawn=withdrawn,
    )


def significance(entry: dict[str, Any]) -> str:
    """What the entry means for the child, from the structured details released with it."""
    kind = str(entry.get("kind"))
    details: dict[str, Any] = entry.get("details") or {}
    if entry.get("disclosure") == "fact-only":
        return "A concern was recorded; its detail is not disclosed"
    if kind == "domestic-abuse-notification":
        risk = details.get("risk_level")
        level = f", assessed {str(risk).lower()} risk" if risk else ""
        return f"Police-attended domestic abuse affecting the child{level}"
    if kind.startswith("unscheduled-care-"):
        flags = [
            text
            for name, text in (
                ("suspected_non_accidental_injury", "Suspected non-accidental injury"),
                ("safeguarding_concern_raised", "Safeguarding concern raised"),
                ("examination_refused", "Fuller examination refused"),
                ("injury", "Injury"),
            )
            if details.get(name)
        ]
        if flags:
            return "; ".join(flags)
        category = details.get("attendance_category")
        return f"Unscheduled-care attendance ({_words(category)})" if category else "Attendance"
    if kind == "school-absence":
        missed = details.get("consecutive_absences")
        kind_text = _words(details.get("absence_type") or "absence")
        return f"{kind_text.capitalize()}" + (f"; {missed} sessions in a row" if missed else "")
    if kind.startswith(STATUS_PREFIX):
        return "Child protection or looked-after status changed"
    if kind.startswith("school-roll-"):
        return "School placement"
    return ""


def outcome(entry: dict[str, Any]) -> str:
    """The outcome or action the source recorded, where it recorded one."""
    kind = str(entry.get("kind"))
    details: dict[str, Any] = entry.get("details") or {}
    if details.get("withdrawn"):
        return "Withdrawn: not to be relied on"
    if kind == "unscheduled-care-discharge" and details.get("discharge_status"):
        return f"Discharged: {_words(details['discharge_status'])}"
    if kind.startswith(STATUS_PREFIX):
        return str(entry.get("summary") or "Status recorded").split(" (")[0]
    return "Not recorded by the source"


def _words(value: Any) -> str:
    return str(value).replace("_", " ").lower()


def status_bands(entries: list[dict[str, Any]]) -> list[Band]:
    """Plan, looked-after and dual-plan periods from the status entries released."""
    plan: list[Band] = []
    looked_after: list[Band] = []
    plan_start: str | None = None
    la_start: str | None = None
    for entry in sorted(
        (e for e in entries if str(e.get("kind", "")).startswith(STATUS_PREFIX)),
        key=_effective,
    ):
        details = entry.get("details") or {}
        if details.get("withdrawn"):
            continue
        event = str(entry["kind"])[len(STATUS_PREFIX) :]
        day = _effective(entry)
        if event in PLAN_STARTS and plan_start is None:
            plan_start = day
        elif event == "plan-ended" and plan_start is not None:
            plan.append(Band("Child protection plan", plan_start, day))
            plan_start = None
        elif event == "looked-after-started" and la_start is None:
            la_start = day
        elif event == "looked-after-ended" and la_start is not None:
            looked_after.append(Band("Looked after", la_start, day))
            la_start = None
    if plan_start is not None:
        plan.append(Band("Child protection plan", plan_start, None))
    if la_start is not None:
        looked_after.append(Band("Looked after", la_start, None))
    return plan + looked_after + _overlaps(plan, looked_after)


def _effective(entry: dict[str, Any]) -> str:
    details = entry.get("details") or {}
    return str(details.get("event_date") or entry["occurred_at"])[:10]


def _overlaps(plans: list[Band], cared: list[Band]) -> list[Band]:
    dual = []
    for plan in plans:
        for spell in cared:
            start = max(plan.start, spell.start)
            ends = [end for end in (plan.end, spell.end) if end is not None]
            end = min(ends) if ends else None
            if end is None or start <= end:
                dual.append(Band("Dual plans", start, end, "on a plan and looked after"))
    return dual


def _band_at(bands: list[Band], day: str) -> str:
    names = {b.name for b in bands if b.start <= day and (b.end is None or day <= b.end)}
    if "Dual plans" in names:
        return "Dual plans"
    if "Child protection plan" in names:
        return "CP plan"
    return "Looked after" if "Looked after" in names else ""
