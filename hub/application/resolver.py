"""Resolve a subject to a child: identifiers (NHS number, UPN, local ids), then demographics.

An identifier already linked to a child decides (unless the record's NHS number or UPN
contradicts that child's). Without one, ``hub.domain.identity.decide`` links only an
exact, unique demographic match (an untraced A&E record and an untraced child are not
joined: see ``_untraced_by_a_tracing_service``); when it finds none, children born on the dates a
mistyped date of birth may really be (day and month swapped, a day either side) are
added as candidates, so a misdated record of a known child waits for a person instead
of starting a second chronology.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

from hub.application.facts import SubjectRef
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.identity import (
    Candidate,
    Demographics,
    MatchDecision,
    Outcome,
    ScoredCandidate,
    Strength,
    decide,
    nearby_birth_dates,
)
from hub.domain.indexes import BirthDateIndex, Household, IdentifierIndex, IndexIds


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
    return resolve_identifiers(uow, ids, subject) or _by_demographics(uow, ids, subject)


def resolve_identifiers(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution | None:
    """The child the record's linked identifiers name, review on conflict, None if none is.

    When none of the record's keys is linked, a former identifier (a school's former
    UPN) that is linked finds the child: the record's new UPN then replaces it.
    """
    hits: dict[str, UUID] = {}
    for key in subject.keys:
        index = identifier_index(uow, ids, key)
        if index is not None and index.child_id is not None:
            hits[key] = index.child_id
    former: set[str] = set()
    if not hits:
        for key in subject.former_keys:
            index = identifier_index(uow, ids, key)
            if index is not None and index.child_id is not None:
                hits[key] = index.child_id
                former.add(key.partition("/")[2])
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
        for kind, label in (("nhs", "NHS number"), ("upn", "UPN")):
            value = _identifier(subject, kind)
            held = child.identifiers.get(kind)
            if value and held and held != value and held not in former:
                return Resolution(
                    Outcome.REVIEW,
                    f"record's {label} differs from the linked child's",
                    candidates=(ScoredCandidate(child.id, 0.0, Strength.POSSIBLE),),
                )
        via = next(key for key in (*subject.keys, *subject.former_keys) if key in hits)
        return Resolution(Outcome.MATCHED, f"linked identifier {via.split('/')[0]}", child, via)
    return None


def resolve_by_identifiers_only(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
    """A baseline for ``hub bench identity``: identifiers decide, demographics never do.

    Without a linked identifier the record is taken for a new child, as a hub that
    never matches on demographics would: no guess, but a known child's second chronology.
    """
    resolution = resolve_identifiers(uow, ids, subject)
    return resolution or Resolution(Outcome.NEW_CHILD, "no linked identifier")


def subject_demographics(subject: SubjectRef) -> Demographics:
    """The record's demographics with its NHS number and UPN taken from its identifiers."""
    demographics = subject.demographics
    nhs = demographics.nhs_number or _identifier(subject, "nhs")
    upn = demographics.upn or _identifier(subject, "upn")
    if (nhs, upn) == (demographics.nhs_number, demographics.upn):
        return demographics
    return replace(demographics, nhs_number=nhs, upn=upn)


def _identifier(subject: SubjectRef, kind: str) -> str | None:
    prefix = f"{kind}/"
    return next((key[len(prefix) :] for key in subject.keys if key.startswith(prefix)), None)


def _by_demographics(uow: UnitOfWork, ids: IndexIds, subject: SubjectRef) -> Resolution:
    demographics = subject_demographics(subject)
    if demographics.date_of_birth:
        candidates = _born_on(uow, ids, demographics.date_of_birth)
        decision = decide(demographics, candidates)
        if decision.outcome is not Outcome.MATCHED:
            for day in nearby_birth_dates(demographics.date_of_birth):
                candidates.extend(_born_on(uow, ids, day))
            decision = decide(demographics, candidates)
    else:
        decision = _by_household(uow, ids, subject, demographics)
    if decision.outcome is Outcome.MATCHED and decision.child_id is not None:
        child = uow.get(Child, decision.child_id)
        if child is not None and _known_locally_as_another(subject, child):
            return Resolution(
                Outcome.REVIEW,
                "exact demographic match, but the record's organisation holds that child under "
                "another local id: it may be a twin, or a record that was mistyped",
                None,
                "",
                decision.candidates,
            )
        if child is not None and _untraced_by_a_tracing_service(subject, child):
            return Resolution(
                Outcome.REVIEW,
                "exact demographic match, but an NHS service sent the record without an NHS "
                "number and the hub holds none for the child: an untraced registration is "
                "not joined to an untraced child on demographics alone (a twin's misspelt "
                "name matches exactly)",
                None,
                "",
                decision.candidates,
            )
        return Resolution(
            Outcome.MATCHED, decision.reason, child, "demographics", decision.candidates
        )
    return Resolution(decision.outcome, decision.reason, None, "", decision.candidates)


def _known_locally_as_another(subject: SubjectRef, child: Child) -> bool:
    """The organisation issuing one of the record's local ids gave the child a different one.

    A hospital or school that registered two patients or pupils under two numbers thinks
    they are two children (twins registered with a typo in one name, for instance).
    """
    held = {
        key.rpartition("/")[0]: key for key in child.identifier_keys() if key.startswith("local/")
    }
    return any(
        held.get(key.rpartition("/")[0], key) != key
        for key in subject.keys
        if key.startswith("local/")
    )


# Services that trace every patient on the NHS Spine at registration: a record they send
# without an NHS number is an unverified registration, its demographics as typed at a desk.
_TRACING_AGENCIES = ("EMERGENCY_CARE",)


def _untraced_by_a_tracing_service(subject: SubjectRef, child: Child) -> bool:
    """An A&E record with no NHS number matching a child whose NHS number nobody gave.

    Neither side has been traced, so nothing but the typed name, date of birth and home
    joins them, and a twin registered under a misspelt name matches exactly. Schools
    and the police do not hold NHS numbers, so their untraced records still link.
    """
    local_agencies = {key.split("/")[1] for key in subject.keys if key.startswith("local/")}
    return (
        any(agency in _TRACING_AGENCIES for agency in local_agencies)
        and not subject_demographics(subject).nhs_number
        and not any(key.startswith("nhs/") for key in child.identifier_keys())
    )


def _born_on(uow: UnitOfWork, ids: IndexIds, date_of_birth: str) -> list[Candidate]:
    bucket = uow.get(BirthDateIndex, ids.birth_date(date_of_birth))
    return bucket.candidates() if bucket else []


def _by_household(
    uow: UnitOfWork, ids: IndexIds, subject: SubjectRef, demographics: Demographics
) -> MatchDecision:
    """Without a date of birth nothing links on demographics: a person decides."""
    reference = demographics.household_reference
    household = uow.get(Household, ids.household(reference)) if reference else None
    candidates = []
    for member_id in household.member_ids() if household else []:
        member = uow.get(Child, member_id)
        if member is not None:
            known = member.demographics
            # Compared as if born the same day: the record cannot say otherwise.
            candidates.append(Candidate(member_id, replace(known, date_of_birth="0001-01-01")))
    decision = decide(replace(demographics, date_of_birth="0001-01-01"), candidates)
    return MatchDecision(
        Outcome.REVIEW,
        "no date of birth, so no automatic match on demographics",
        None,
        decision.candidates,
    )
