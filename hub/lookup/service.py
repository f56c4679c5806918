"""The lookup use case: check the caller, find the child, answer through the policy, audit it all.

Independent of gRPC so it can be tested and benchmarked directly; the gRPC
servicer (``hub.lookup.server``) only translates requests, answers and refusals.
The answer itself is built item by item in ``hub.lookup.answer_builder``.
One lookup writes one audit transaction: the lookup, each disclosure decision
(including refusals), IG-review flags and the access-to-service notification.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID, uuid4

from hub.access.callers import Caller, CallRefused, authorise, relationship_to
from hub.access.certs import CertifiedIdentity, certificate_details
from hub.access.organisations import OrganisationDirectory
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError
from hub.domain.identifiers import normalise_nhs_number
from hub.domain.identity import Candidate, Demographics, Outcome, decide
from hub.lookup.answer import AMBIGUOUS_NOTICE, NO_RECORD_NOTICE, LookupAnswer, MatchResult
from hub.lookup.answer_builder import LOOKUP_ENTRY_KINDS, AnswerBuilder
from hub.lookup.lookup_metrics import LOOKUP_REFUSALS, LOOKUP_SECONDS
from hub.lookup.query import LookupQuery, check_query, normalise_postcode
from hub.lookup.views import LookupViews
from hub.policy.model import Policy

__all__ = ["CALL", "LOOKUP_ENTRY_KINDS", "ChildLookupService", "ChildReader", "LookupQuery"]

CALL = "child-lookup"


class ChildReader(Protocol):
    """Where the service reads children from: the event store, or the lookup read model."""

    def find_child(self, key: str) -> Child: ...

    def get_child(self, child_id: UUID) -> Child: ...

    def birth_date_candidates(self, date_of_birth: str) -> list[Candidate]: ...


class ChildLookupService:
    def __init__(
        self,
        app: HubApplication,
        policy: Policy,
        audit: AuditLog,
        directory: OrganisationDirectory,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        views: LookupViews | None = None,
    ) -> None:
        """Answer lookups; ``views`` reads children from the lookup read model.

        Without ``views`` each child is replayed from the event store.
        """
        self._views = views
        self._reader: ChildReader = views if views is not None else app
        self._policy = policy
        self._audit = audit
        self._directory = directory
        self._clock = clock

    def refuse(
        self,
        peer: str,
        identity: CertifiedIdentity | None,
        purpose: str,
        refusal: CallRefused,
        *,
        call: str = CALL,
        stage: str = "call",
        certificate: dict[str, str] | None = None,
    ) -> None:
        """Record a refused call (no data was read for it), with the certificate presented.

        ``stage``: ``tls`` for a handshake the TLS front refused, else ``call``.
        """
        LOOKUP_REFUSALS.labels(refusal.status).inc()
        self._audit.append(
            "access-refused",
            [
                {
                    "call": call,
                    "stage": stage,
                    "peer": peer,
                    "caller": identity.as_record() if identity else None,
                    "certificate": certificate or refusal.certificate,
                    "purpose": purpose,
                    "status": refusal.status,
                    "reason": refusal.reason,
                    "policy_version": self._policy.version,
                }
            ],
        )

    def lookup(
        self,
        identity: CertifiedIdentity | None,
        query: LookupQuery,
        peer: str = "",
        certificate_pem: bytes | None = None,
    ) -> LookupAnswer:
        """Answer ``query`` for the certified caller, or raise ``CallRefused`` (audited).

        ``certificate_pem``: the caller's certificate, whose details a refusal records.
        """
        started = time.perf_counter()
        outcome = "error"
        try:
            answer = self._answer(identity, query, peer, certificate_pem)
            outcome = answer.match.outcome
            return answer
        except CallRefused:
            outcome = "refused"
            raise
        finally:
            LOOKUP_SECONDS.labels(outcome).observe(time.perf_counter() - started)

    def _answer(
        self,
        identity: CertifiedIdentity | None,
        query: LookupQuery,
        peer: str,
        certificate_pem: bytes | None,
    ) -> LookupAnswer:
        purpose = query.purpose or "direct-care"
        try:
            caller = authorise(self._policy, self._directory, CALL, identity, purpose)
            check_query(query)
        except CallRefused as refusal:
            details = certificate_details(certificate_pem) if certificate_pem else None
            self.refuse(peer, identity, purpose, refusal, certificate=details)
            raise
        lookup_id = str(uuid4())
        if self._views is not None:
            self._views.catch_up()  # everything committed before this lookup is seen
        child, match = self._resolve(query)
        record: dict[str, Any] = {
            "lookup_id": lookup_id,
            "call": CALL,
            "peer": peer,
            "caller": {
                **caller.identity.as_record(),
                "organisation_type": caller.organisation.type,
                "organisation_name": caller.organisation.name,
            },
            "purpose": purpose,
            "server_process": os.getpid(),  # several server processes may share a port
            "method": match.method,
            "outcome": match.outcome,
            "candidates": match.candidates,
            "policy_version": self._policy.version,
        }
        if child is None:
            self._audit.append("lookup", [{**record, "child_id": None}])
            notice = NO_RECORD_NOTICE if match.outcome == "no-record-held" else AMBIGUOUS_NOTICE
            return LookupAnswer(lookup_id, match, self._policy.version, notice=notice)
        answer, items = AnswerBuilder(self, caller, purpose, child, lookup_id, match).build()
        answer.child_id = str(child.id)
        record.update(
            child_id=str(child.id),
            relationship=relationship_to(caller, child),
            disclosed=sum(1 for kind, item in items if item["decision"] != "refuse"),
            withheld=answer.withheld,
            access_notified=answer.access_notified,
        )
        audit_items: list[tuple[str, dict[str, Any]]] = [("lookup", record)]
        audit_items += [("disclosure", item) for _, item in items]
        audit_items += [
            ("ig-review", {**item, "review": "fail-safe: high-risk concern not shareable in full"})
            for _, item in items
            if item["needs_review"]
        ]
        if answer.access_notified:
            audit_items.append(("access-to-service", self._access_notice(caller, child, record)))
        self._audit.append_batch(audit_items)
        return answer

    def _access_notice(
        self, caller: Caller, child: Child, record: dict[str, Any]
    ) -> dict[str, Any]:
        authority = child.responsible_authority or {}
        return {
            "lookup_id": record["lookup_id"],
            "child_id": str(child.id),
            "nhs_number": child.nhs_number,
            "responsible_authority": authority.get("code"),
            "on_plan": child.on_plan,
            "looked_after": child.looked_after,
            "accessed_at": self._clock().isoformat(),
            "accessing_organisation": caller.organisation.code,
            "accessing_organisation_name": caller.organisation.name,
            "accessing_organisation_type": caller.organisation.type,
            "accessing_user": caller.identity.user,
            "accessing_role": caller.identity.role,
            "purpose": record["purpose"],
        }

    def _resolve(self, query: LookupQuery) -> tuple[Child | None, MatchResult]:
        if query.nhs_number:
            nhs = normalise_nhs_number(query.nhs_number)
            try:
                child = self._reader.find_child(f"nhs/{nhs}")
            except ChildNotFoundError:
                return None, MatchResult("no-record-held", "nhs-number")
            return child, MatchResult(
                "matched", "nhs-number", "certain", 0.0, 1, "NHS number matches one child"
            )
        subject = Demographics(
            given_name=query.given_name.strip(),
            family_name=query.family_name.strip(),
            date_of_birth=query.date_of_birth,
            postcode=normalise_postcode(query.postcode),
        )
        decision = decide(subject, self._reader.birth_date_candidates(query.date_of_birth))
        count = len(decision.candidates)
        if decision.outcome is Outcome.MATCHED and decision.child_id is not None:
            best = decision.candidates[0]
            return self._reader.get_child(decision.child_id), MatchResult(
                "matched", "demographics", best.strength.value, best.score, count, decision.reason
            )
        if decision.outcome is Outcome.REVIEW:
            return None, MatchResult("ambiguous", "demographics", "", 0.0, count, decision.reason)
        return None, MatchResult("no-record-held", "demographics", "", 0.0, 0, decision.reason)

    # Used by AnswerBuilder -------------------------------------------------------------------

    @property
    def policy(self) -> Policy:
        return self._policy

    def now(self) -> datetime:
        return self._clock()

    def sibling(self, sibling_id: str) -> Child | None:
        try:
            return self._reader.get_child(UUID(sibling_id))
        except ChildNotFoundError:
            return None

    def site_name(self, code: str) -> str:
        organisation = self._directory.get(code)
        return organisation.name if organisation else code
