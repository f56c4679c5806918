"""Each page is a call under the policy's ``[calls]``: authorised, or refused and audited.

A refusal (no certificate, an organisation the directory does not know, a role
or purpose the page's call does not allow, a form without its CSRF token, an
alert that is not the caller's) is written to the audit log in the same shape
as a refused lookup, then shown as a refusal page with the matching HTTP status.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography import x509
from starlette.requests import Request

from hub.access.callers import Caller, CallRefused, authorise
from hub.access.certs import CertifiedIdentity, details_of
from hub.web.parts import ConsoleParts
from hub.web.security import CsrfTokens, Identify, same_origin

HTTP_STATUS = {
    "UNAUTHENTICATED": 401,
    "PERMISSION_DENIED": 403,
    "NOT_FOUND": 404,
    "INVALID_ARGUMENT": 400,
    "RESOURCE_EXHAUSTED": 413,
}
CHANNEL = "web-console"
CONSOLE = "web-console"  # the call a refusal names when no page's call was reached


def purpose_of(parts: ConsoleParts, call: str, role: str) -> str:
    """The purpose a role makes ``call`` for (the first the policy lists; '' if none)."""
    terms = parts.policy.calls.get(call)
    caller_terms = terms.callers.get(role) if terms else None
    return sorted(caller_terms.purposes)[0] if caller_terms else ""


class PageGuard:
    """Authorises each page for the certificate's holder; audits every refusal."""

    def __init__(self, parts: ConsoleParts, identify: Identify, tokens: CsrfTokens) -> None:
        self._parts = parts
        self._identify = identify
        self.tokens = tokens

    def who(self, request: Request) -> CertifiedIdentity | None:
        """The caller's identity for the page frame (navigation), never for a decision."""
        try:
            return self._identify(request)[1]
        except CallRefused:
            return None

    def signed_in(self, request: Request) -> CertifiedIdentity:
        """The certificate's holder, from an organisation the hub knows; else refused (audited)."""
        peer, identity = "", None
        try:
            peer, identity = self._identify(request)
            if identity is None:
                raise CallRefused(
                    "UNAUTHENTICATED", "a client certificate issued by the hub is required"
                )
            if self._parts.directory.get(identity.organisation) is None:
                raise CallRefused(
                    "PERMISSION_DENIED",
                    f"organisation {identity.organisation} is not in the organisation directory",
                )
        except CallRefused as refusal:
            self.refuse(CONSOLE, peer, identity, refusal)
            raise
        return identity

    def caller(self, request: Request, call: str) -> Caller:
        """The authorised caller for ``call``, or ``CallRefused`` (audited)."""
        peer, identity = "", None
        try:
            peer, identity = self._identify(request)
            purpose = purpose_of(self._parts, call, identity.role) if identity else ""
            caller = authorise(
                self._parts.policy, self._parts.directory, call, identity, purpose or "none"
            )
        except CallRefused as refusal:
            self.refuse(call, peer, identity, refusal)
            raise
        request.state.peer = peer
        return caller

    def posted(self, request: Request, call: str, form: dict[str, str]) -> Caller:
        """As ``caller``, for a form: it must come from this site with a valid CSRF token."""
        caller = self.caller(request, call)
        if not same_origin(request) or not self.tokens.valid(
            form.get("csrf_token", ""), caller.identity
        ):
            refusal = CallRefused(
                "PERMISSION_DENIED", "form posted without a valid CSRF token from this site"
            )
            self.refuse(call, request.state.peer, caller.identity, refusal)
            raise refusal
        return caller

    def refuse(
        self, call: str, peer: str, identity: CertifiedIdentity | None, refusal: CallRefused
    ) -> None:
        record: dict[str, Any] = {
            "call": call,
            "channel": CHANNEL,
            "peer": peer,
            "caller": identity.as_record() if identity else None,
            "purpose": purpose_of(self._parts, call, identity.role) if identity else "",
            "status": refusal.status,
            "reason": refusal.reason,
            "policy_version": self._parts.policy.version,
        }
        self._parts.audit.append("access-refused", [record])


def handshake_refused(
    parts: ConsoleParts,
) -> Callable[[str, str, x509.Certificate | None], None]:
    """For the TLS front: audit a connection whose TLS handshake failed (a bad certificate).

    The record names the certificate presented (subject, issuer, serial, SHA-256), as
    the lookup service's refusals do.
    """

    def refused(peer: str, reason: str, certificate: x509.Certificate | None) -> None:
        record: dict[str, Any] = {
            "call": CONSOLE,
            "channel": CHANNEL,
            "peer": peer,
            "caller": None,
            "purpose": "",
            "status": "UNAUTHENTICATED",
            "reason": reason,
            "policy_version": parts.policy.version,
            "stage": "tls",
        }
        if certificate is not None:
            record["certificate"] = details_of(certificate)
        parts.audit.append("access-refused", [record])

    return refused
