"""Who is calling, and may they make this call at all? Refusals carry a gRPC status name.

The certificate (already verified against the hub's CA by the TLS layer)
names a user, an organisation code and a role. The organisation must be in
the hub's directory, and the policy's ``[calls]`` section must let that role,
from that kind of organisation, make the call for the stated purpose.
What the answer may then contain is decided item by item by the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.access.certs import CertifiedIdentity
from hub.access.organisations import Organisation, OrganisationDirectory
from hub.domain.child import Child
from hub.policy.engine import Recipient
from hub.policy.model import CallerTerms, Policy


class CallRefused(Exception):  # noqa: N818 - a refusal, not a programming error
    """The call is refused before any data is read; ``status`` is a gRPC status code name."""

    def __init__(self, status: str, reason: str, certificate: dict[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.certificate = certificate  # the presented certificate's details, when known


@dataclass(frozen=True)
class Caller:
    """An authenticated, authorised caller: who, from where, on which terms."""

    identity: CertifiedIdentity
    organisation: Organisation
    terms: CallerTerms

    def as_recipient(self, relationship: str) -> Recipient:
        return Recipient(
            id=self.identity.user,
            role=self.identity.role,
            organisation=self.organisation.code,
            organisation_type=self.organisation.type,
            relationship=relationship,
        )


def authorise(
    policy: Policy,
    directory: OrganisationDirectory,
    call: str,
    identity: CertifiedIdentity | None,
    purpose: str,
) -> Caller:
    """The caller if the policy lets it make ``call`` for ``purpose``; else ``CallRefused``."""
    if identity is None:
        raise CallRefused("UNAUTHENTICATED", "a client certificate issued by the hub is required")
    organisation = directory.get(identity.organisation)
    if organisation is None:
        raise CallRefused(
            "PERMISSION_DENIED",
            f"organisation {identity.organisation} is not in the hub's organisation directory",
        )
    terms = policy.calls.get(call)
    caller_terms = terms.callers.get(identity.role) if terms else None
    if caller_terms is None:
        raise CallRefused("PERMISSION_DENIED", f"role {identity.role} may not make {call} calls")
    if organisation.type not in caller_terms.organisation_types:
        raise CallRefused(
            "PERMISSION_DENIED",
            f"role {identity.role} may make {call} calls only from "
            f"{', '.join(sorted(caller_terms.organisation_types))} organisations, "
            f"not {organisation.type}",
        )
    if purpose not in caller_terms.purposes:
        raise CallRefused(
            "PERMISSION_DENIED",
            f"role {identity.role} may make {call} calls only for "
            f"{', '.join(sorted(caller_terms.purposes))}, not {purpose!r}",
        )
    return Caller(identity, organisation, caller_terms)


def relationship_to(caller: Caller, child: Child) -> str:
    """The caller's relationship to this child, from the child's record (never from the caller)."""
    role, code = caller.identity.role, caller.organisation.code
    if role == "unscheduled-care-clinician":
        # The clinician is asking because the child is in front of them (purpose direct-care).
        return "treating-clinician"
    if role == "gp":
        practice = child.professionals.get("gp_practice") or {}
        return "registered-gp" if practice.get("code") == code else "none"
    if role == "social-worker":
        authority = child.responsible_authority or {}
        return "responsible-authority" if authority.get("code") == code else "none"
    return "none"


def reader_relationship(caller: Caller, child: Child) -> str:
    """The relationship of a practitioner reading the child's chronology (the web console).

    As ``relationship_to``, and besides: the child's allocated lead social worker (the
    certificate names the address the child's record gives, at the responsible authority),
    and the designated safeguarding lead of the school the child is on the roll of.
    """
    role, code = caller.identity.role, caller.organisation.code
    if role == "social-worker":
        lead = child.professionals.get("lead_social_worker") or {}
        authority = child.responsible_authority or {}
        if authority.get("code") == code and lead.get("email") == caller.identity.user:
            return "lead-social-worker"
    if role == "school-dsl":
        return "childs-school" if child.current_school == code else "none"
    return relationship_to(caller, child)
