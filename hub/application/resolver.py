"""Resolve a subject to a child: identifiers (NHS number, UPN, local ids), then demographics."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.identity import Candidate, MatchDecision, Outcome, ScoredCandidate, Strength, decide
from hub.domain.indexes import BirthDateIndex, Household, IdentifierIndex, IndexIds
from hub.ingest.facts import SubjectRef


@dataclass(frozen=True)
class Resolution:
    """The child a subject resolved to (None when new or for review), and how."""

    outcome: Outcome
    reason: str
    child: Child | None = None
    via: str = ""
    candidates: tuple[ScoredCandidate, ...] = ()


def identifier_index(uow: UnitOfWork, ids: IndexIds, key: str) -> IdentifierIndex | None:
    return uow.get(IdentifierIndex, ids.identifier(key))


def resolve(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
    """Strongest identifier that is already linked wins; conflicts and doubt go to review."""
    hits: dict[str, UUID] = {}
    for key in subject.keys:
        index = identifier_index(uow, ids, key)
        if index is not None and index.child_id is not None:
            hits[key] = index.child_id
    distinct = sorted(set(hits.values()), key=str)
    if len(distinct) > 1:
        return Resolution(
            Outcome.REVIEW,
            "identifiers in the record belong to different children",
            candidates=tuple(ScoredCandidate(c, 0.0, Strength.POSSIBLE) for c in distinct),
        )
    if distinct:
        child = uow.get(Child, distinct[0])
        if child is None:
            raise LookupError(f"identifier index points at missing child {distinct[0]}")
        nhs = subject.demographics.nhs_number
        if nhs and child.nhs_number and child.nhs_number != nhs:
            return Resolution(
                Outcome.REVIEW,
                "record's NHS number differs from the linked child's",
                candidates=(ScoredCandidate(child.id, 0.0, Strength.POSSIBLE),),
            )
        via = next(key for key in subject.keys if key in hits)
        return Resolution(Outcome.MATCHED, f"linked identifier {via.split('/')[0]}", child, via)
    return _by_demographics(uow, ids, subject)


def _by_demographics(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
    demographics = subject.demographics
    if demographics.date_of_birth:
        bucket = uow.get(BirthDateIndex, ids.birth_date(demographics.date_of_birth))
        candidates = bucket.candidates() if bucket else []
        decision = decide(demographics, candidates)
    else:
        decision = _by_household(uow, ids, subject)
    if decision.outcome is Outcome.MATCHED and decision.child_id is not None:
        child = uow.get(Child, decision.child_id)
        return Resolution(
            Outcome.MATCHED, decision.reason, child, "demographics", decision.candidates
        )
    return Resolution(decision.outcome, decision.reason, None, "", decision.candidates)


def _by_household(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> MatchDecision:
    """Without a date of birth, only a certain match within the household is accepted."""
    reference = subject.demographics.household_reference
    household = uow.get(Household, ids.household(reference)) if reference else None
    candidates = []
    for member_id in household.member_ids() if household else []:
        member = uow.get(Child, member_id)
        if member is not None:
            candidates.append(Candidate(member_id, member.demographics))
    decision = decide(subject.demographics, candidates)
    if decision.outcome is Outcome.MATCHED:
        return decision
    return MatchDecision(
        Outcome.REVIEW,
        "no date of birth and no certain match in the household",
        None,
        decision.candidates,
    )
