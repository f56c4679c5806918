"""The lookup answer in plain words, as a receptionist or clinician at the desk reads it.

``as_dict`` gives the same answer as data for ``hub lookup --json``: the
response exactly as the service sent it, so it holds nothing the policy withheld.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from hub.lookup.proto import lookup_pb2

_WORDS = {"ED": "emergency department", "MIU": "minor injury unit", "WIC": "walk-in centre"}


def _words(code: str) -> str:
    return _WORDS.get(code, code.replace("_", " ").lower())


def render(response: lookup_pb2.LookupResponse) -> str:
    lines: list[str] = []
    match = response.match
    if match.outcome == lookup_pb2.NO_RECORD_HELD:
        return response.notice + f"\n(lookup reference {response.lookup_id})"
    if match.outcome == lookup_pb2.AMBIGUOUS:
        return (
            f"{response.notice}\n({match.candidates} possible children; "
            f"lookup reference {response.lookup_id})"
        )
    how = "NHS number" if match.method == "nhs-number" else f"{match.confidence} demographic match"
    lines.append(f"Matched by {how}.")
    if not response.status_disclosed:
        lines.append(response.notice)
    elif response.on_plan or response.looked_after:
        lines.append("")
        if response.on_plan:
            plan = response.current_plan
            unborn = " (unborn child)" if plan.unborn else ""
            category = f", category {_words(plan.category)}" if plan.category else ""
            since = f", since {plan.start_date}" if plan.start_date else ""
            lines.append(f"CHILD PROTECTION PLAN{unborn}{category}{since}.")
        if response.looked_after:
            lines.append("LOOKED AFTER by the local authority.")
    else:
        lines.append("No child protection plan and not looked after.")
    for plan in response.plans_ended_last_12_months:
        lines.append(f"A child protection plan ended on {plan.end_date} ({_words(plan.category)}).")
    contact = response.contact
    if contact.responsible_authority:
        lines.append("")
        lines.append(f"Responsible authority: {contact.responsible_authority}")
        lines.append(f"  office hours: {contact.office_hours_phone or 'not recorded'}")
        lines.append(f"  out of hours: {contact.out_of_hours_phone or 'not recorded'}")
        if contact.social_worker:
            email = f" ({contact.social_worker_email})" if contact.social_worker_email else ""
            lines.append(f"  allocated social worker: {contact.social_worker}{email}")
    lines.append("")
    if response.attendances:
        lines.append(f"Unscheduled care in the last 12 months ({len(response.attendances)}):")
        for visit in response.attendances:
            where = visit.site_name or "site not shared"
            category = f", {_words(visit.attendance_category)}" if visit.attendance_category else ""
            lines.append(f"  {visit.date}  {where}{category}")
    else:
        lines.append("No unscheduled-care attendances in the last 12 months that you may see.")
    if response.cues:
        lines.append("")
        lines.append("Things to be aware of:")
        lines.extend(f"  - {cue.description}" for cue in response.cues)
    if response.withheld:
        lines.append("")
        lines.append(f"{response.withheld} item(s) are not shared with your role.")
    lines.append("")
    if response.on_plan or response.looked_after:
        lines.append("Contact the responsible authority about this attendance.")
    if response.access_notified:
        lines.append("The responsible authority has been told that this child's record was viewed.")
    lines.append(f"(lookup reference {response.lookup_id}; policy {response.policy_version})")
    return "\n".join(lines)


def as_dict(response: lookup_pb2.LookupResponse) -> dict[str, Any]:
    """The answer in protobuf's JSON mapping with the .proto field names.

    Fields at their default (false, 0, empty) are left out, so a status the policy
    did not disclose reads as absent, never as ``"on_plan": false``.
    """
    return json_format.MessageToDict(response, preserving_proto_field_name=True)
