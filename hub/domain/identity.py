"""Demographic matching: decide whether a record is a known child, a new child, or needs a person.

A wrong merge discloses one child's information to another child's
practitioners, so only a *certain* match links automatically: one candidate
matches on names, date of birth and address, and no other candidate is
plausibly the same child. Everything in between goes to manual review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from uuid import UUID

from hub.domain.names import similarity


@dataclass(frozen=True)
class Demographics:
    """What a record says about who the child is (dates as ISO strings)."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    postcode: str | None = None
    household_reference: str | None = None
    nhs_number: str | None = None


@dataclass(frozen=True)
class Candidate:
    """A known child who might be the record's subject."""

    child_id: UUID
    demographics: Demographics


class Strength(Enum):
    CERTAIN = "certain"
    PROBABLE = "probable"
    POSSIBLE = "possible"
    DIFFERENT = "different"


@dataclass(frozen=True)
class ScoredCandidate:
    child_id: UUID
    score: float
    strength: Strength


class Outcome(Enum):
    MATCHED = "matched"
    NEW_CHILD = "new-child"
    REVIEW = "review"


@dataclass(frozen=True)
class MatchDecision:
    outcome: Outcome
    reason: str
    child_id: UUID | None = None
    candidates: tuple[ScoredCandidate, ...] = field(default_factory=tuple)


def score(subject: Demographics, candidate: Demographics) -> tuple[float, Strength]:
    """Score a candidate: names (0-2) plus address (0-1); strength says what it may justify."""
    if subject.nhs_number and candidate.nhs_number and subject.nhs_number != candidate.nhs_number:
        return 0.0, Strength.DIFFERENT
    given = similarity(subject.given_name or "", candidate.given_name or "")
    family = similarity(subject.family_name or "", candidate.family_name or "")
    same_home = _same_home(subject, candidate)
    total = given + family + (1.0 if same_home else 0.0)
    if given == 0.0:
        return total, Strength.DIFFERENT  # a twin or sibling: different given name
    if given + family == 2.0 and same_home:
        return total, Strength.CERTAIN
    if given + family >= 1.6 and same_home:
        return total, Strength.PROBABLE
    if family > 0.0 or same_home:
        return total, Strength.POSSIBLE
    return total, Strength.DIFFERENT


def decide(subject: Demographics, candidates: list[Candidate]) -> MatchDecision:
    """Match only when exactly one candidate is certain or probable and no other is plausible."""
    scored = []
    for candidate in candidates:
        value, strength = score(subject, candidate.demographics)
        if strength is not Strength.DIFFERENT:
            scored.append(ScoredCandidate(candidate.child_id, value, strength))
    scored.sort(key=lambda c: (-c.score, str(c.child_id)))
    if not scored:
        return MatchDecision(Outcome.NEW_CHILD, "no plausible candidate")
    best, others = scored[0], scored[1:]
    if best.strength in (Strength.CERTAIN, Strength.PROBABLE) and not others:
        return MatchDecision(
            Outcome.MATCHED,
            f"{best.strength.value} demographic match",
            best.child_id,
            tuple(scored),
        )
    if others:
        reason = f"{len(scored)} children are plausible matches"
    else:
        reason = "only a possible match (names or address differ)"
    return MatchDecision(Outcome.REVIEW, reason, None, tuple(scored))


def _same_home(subject: Demographics, candidate: Demographics) -> bool:
    if subject.household_reference and (
        subject.household_reference == candidate.household_reference
    ):
        return True
    return bool(subject.postcode) and subject.postcode == candidate.postcode
