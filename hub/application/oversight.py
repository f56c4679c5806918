"""The IG lead's door to the audit trail: the policy says who may read it, and reading is recorded.

The policy's ``[calls.audit-trail]`` names the roles that may read the trail, from which
kinds of organisation and for which purposes, as ``[calls.child-lookup]`` does for the
lookup. A refused view is an ``access-refused`` record, as a refused lookup is; an
allowed one is an ``audit-view`` record saying who viewed what (the view, the filters,
the format, how many records, and the child when the view was about one), written after
the records were read, so each view appears in the next.
"""

from __future__ import annotations

from typing import Any

from hub.audit.chain import AuditLog
from hub.audit.records import AuditRecord
from hub.audit.trail import TrailFilter
from hub.domain.errors import HubError
from hub.policy.engine import Recipient
from hub.policy.model import Policy

CALL = "audit-trail"
PURPOSE = "oversight"


class TrailRefusedError(HubError):
    """The policy does not let this person make an oversight call (the refusal is recorded).

    The audit trail's, or management information's (``hub.mi.service``).
    """


def admit(
    policy: Policy,
    audit: AuditLog,
    viewer: Recipient,
    purpose: str = PURPOSE,
    call: str = CALL,
    peer: str = "command line",
) -> str:
    """The call's description if ``viewer`` may make ``call``; else refuse and record it.

    ``call`` is the audit trail's by default; management information passes its own.
    """
    terms = policy.calls.get(call)
    caller = terms.callers.get(viewer.role) if terms else None
    problem = None
    if caller is None:
        problem = f"role {viewer.role} may not make {call} calls"
    elif viewer.organisation_type not in caller.organisation_types:
        problem = (
            f"role {viewer.role} may make {call} calls only from "
            f"{', '.join(sorted(caller.organisation_types))} organisations, "
            f"not {viewer.organisation_type}"
        )
    elif purpose not in caller.purposes:
        problem = (
            f"role {viewer.role} may make {call} calls only for "
            f"{', '.join(sorted(caller.purposes))}, not {purpose!r}"
        )
    if problem is not None:
        audit.append(
            "access-refused",
            [
                {
                    "call": call,
                    "peer": peer,
                    "caller": viewer.as_record(),
                    "purpose": purpose,
                    "status": "PERMISSION_DENIED",
                    "reason": problem,
                    "policy_version": policy.version,
                }
            ],
        )
        raise TrailRefusedError(problem)
    return terms.description if terms else ""


def record_view(
    policy: Policy,
    audit: AuditLog,
    viewer: Recipient,
    view: str,
    output: str,
    wanted: TrailFilter,
    shown: list[AuditRecord],
) -> None:
    """The audit record of one view of the trail (``view``: disclosures or sar)."""
    children = {record.payload.get("child_id") for record in shown} - {None}
    payload: dict[str, Any] = {
        "viewer": viewer.as_record(),
        "view": view,
        "format": output,
        "purpose": PURPOSE,
        "filters": wanted.as_record(),
        "records": len(shown),
        "children": len(children),
        "policy_version": policy.version,
    }
    if wanted.child_id is not None:
        payload["child_id"] = wanted.child_id
    audit.append("audit-view", [payload])
