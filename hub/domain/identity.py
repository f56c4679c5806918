"""Demographic matching: decide whether a record is a known child, a new child, or needs a person.

A wrong merge discloses one child's information to another child's practitioners, so
the hub never links on a guess. Identifiers (NHS number, UPN) are matched before this
module is asked (``hub.application.resolver``). Here, a record links automatically only
on an *exact* match: the same normalised given and family name (case, accents,
punctuation and spacing aside), the same date of birth and the same home (postcode or
UPRN), with exactly one candidate and no other child plausibly the record's subject.

Anything fuzzy (a name a letter apart, a spelling variant or nickname, a hyphenated or
changed surname, day and month transposed in the date of birth, another home) goes to
the identity queue with the candidates and a reason a person can act on. Two children
of one household born the same day are different children unless an identifier says
otherwise, and a candidate already holding a different NHS number or UPN is a
different child.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from uuid import UUID

from hub.domain.names import Likeness, likeness


@dataclass(frozen=True)
class Demographics:
    """What a record says about who the child is (dates as ISO strings)."""

    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: str | None = None
    postcode: str | None = None
    household_reference: str | None = None
    nhs_number: str | None = None
    upn: str | None = None
    # One of twins, triplets...: said by the record (HL7 PID-24) or known of the child.
    multiple_birth: bool = False


@dataclass(frozen=True)
class Candidate:
    """A known child who might be the record's subject."""

    child_id: UUID
    demographics: Demographics


class Strength(Enum):
    CERTAIN = "certain"  # exact name, date of birth and home
    PROBABLE = "probable"  # names a letter or variant apart, same date of birth and home
    POSSIBLE = "possible"  # something else differs too (home, surname, date of birth)
    DIFFERENT = "different"


@dataclass(frozen=True)
class ScoredCandidate:
    child_id: UUID
    score: float
    strength: Strength
    differences: str = ""


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


class BirthDate(Enum):
    SAME = "same"
    TRANSPOSED = "day and month transposed"
    ONE_DAY = "one day apart"
    MISSING = "missing"
    DIFFERENT = "different"


@dataclass(frozen=True)
class Comparison:
    """How one candidate compares with a record, and in words how it differs."""

    score: float
    strength: Strength
    differences: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return self.strength is Strength.CERTAIN


_GIVEN_WORDS = {
    Likeness.ONE_LETTER: "given name differs by one letter",
    Likeness.TWO_LETTERS: "given name differs by two letters",
    Likeness.VARIANT: "given name is a spelling variant",
    Likeness.NICKNAME: "given name is a short form or nickname",
    Likeness.PART: "given names share only a part",
}
_FAMILY_WORDS = {
    Likeness.ONE_LETTER: "surname differs by one letter",
    Likeness.TWO_LETTERS: "surname differs by two letters",
    Likeness.VARIANT: "surname is a spelling variant",
    Likeness.NICKNAME: "surname is a spelling variant",
    Likeness.PART: "surname shares only part of a hyphenated or double-barrelled name",
    Likeness.DIFFERENT: "surname differs (changed surname?)",
    Likeness.MISSING: "record has no surname",
}


def compare(subject: Demographics, candidate: Demographics) -> Comparison:
    """Compare a record with a candidate: exact (CERTAIN), plausible, or a different child."""
    if subject.nhs_number and candidate.nhs_number and subject.nhs_number != candidate.nhs_number:
        return Comparison(0.0, Strength.DIFFERENT, ("NHS number differs",))
    if subject.upn and candidate.upn and subject.upn != candidate.upn:
        return Comparison(0.0, Strength.DIFFERENT, ("UPN differs",))
    born = birth_date_relation(subject.date_of_birth, candidate.date_of_birth)
    given = likeness(subject.given_name, candidate.given_name)
    family = likeness(subject.family_name, candidate.family_name)
    same_home = _same_home(subject, candidate)
    score = _points(given) + _points(family) + (1.0 if same_home else 0.0)
    if born in (BirthDate.DIFFERENT, BirthDate.MISSING):
        return Comparison(score, Strength.DIFFERENT)
    if given is not Likeness.SAME and not given.near:
        # A sibling or a twin: another given name (or none) is another child.
        return Comparison(score, Strength.DIFFERENT)
    if family is not Likeness.SAME and not family.near and not same_home:
        return Comparison(score, Strength.DIFFERENT)
    if (given, family, born, same_home) == (Likeness.SAME, Likeness.SAME, BirthDate.SAME, True):
        return Comparison(score, Strength.CERTAIN, ("exact name, date of birth and home",))
    differences = []
    if given is not Likeness.SAME:
        differences.append(_GIVEN_WORDS[given])
    if family is not Likeness.SAME:
        differences.append(_FAMILY_WORDS[family])
    if born is not BirthDate.SAME:
        differences.append(f"date of birth {born.value}")
    if not same_home:
        differences.append("home differs" if _has_home(subject) else "record has no home")
    if family is Likeness.SAME and born is BirthDate.SAME and same_home:
        differences.append("twins share surname, date of birth and home")
    names_close = family is Likeness.SAME or family.near
    strength = (
        Strength.PROBABLE
        if names_close and born is BirthDate.SAME and same_home
        else Strength.POSSIBLE
    )
    return Comparison(score, strength, tuple(differences))


def score(subject: Demographics, candidate: Demographics) -> tuple[float, Strength]:
    """Score a candidate: names (0-2) plus address (0-1); strength says what it may justify."""
    found = compare(subject, candidate)
    return found.score, found.strength


def decide(subject: Demographics, candidates: list[Candidate]) -> MatchDecision:
    """Match only one exact candidate with no other plausible one; doubt goes to review."""
    scored = []
    for candidate in candidates:
        found = compare(subject, candidate.demographics)
        if found.strength is not Strength.DIFFERENT:
            scored.append(
                ScoredCandidate(
                    candidate.child_id, found.score, found.strength, "; ".join(found.differences)
                )
            )
    scored.sort(key=lambda c: (c.strength is not Strength.CERTAIN, -c.score, str(c.child_id)))
    if not scored:
        return MatchDecision(Outcome.NEW_CHILD, "no plausible candidate")
    exact = [c for c in scored if c.strength is Strength.CERTAIN]
    if len(exact) == 1 and len(scored) == 1:
        twins = subject.multiple_birth or any(
            c.demographics.multiple_birth for c in candidates if c.child_id == exact[0].child_id
        )
        if twins:
            return MatchDecision(
                Outcome.REVIEW,
                "candidate 1 matches name, date of birth and home exactly, but the child is "
                "one of a multiple birth: twins' names can be confused, only an identifier "
                "tells them apart",
                None,
                tuple(scored),
            )
        return MatchDecision(
            Outcome.MATCHED,
            "exact match on name, date of birth and home",
            exact[0].child_id,
            tuple(scored),
        )
    return MatchDecision(Outcome.REVIEW, _review_reason(exact, scored), None, tuple(scored))


def _review_reason(exact: list[ScoredCandidate], scored: list[ScoredCandidate]) -> str:
    if len(exact) > 1:
        return f"{len(exact)} children match name, date of birth and home exactly"
    if exact:
        others = "; ".join(f"candidate {n}: {c.differences}" for n, c in enumerate(scored[1:], 2))
        return (
            "candidate 1 matches name, date of birth and home exactly, but another child "
            f"nearly matches ({others})"
        )
    if len(scored) == 1:
        return f"only a near match: {scored[0].differences}"
    listed = "; ".join(f"candidate {n}: {c.differences}" for n, c in enumerate(scored, 1))
    return f"{len(scored)} children nearly match ({listed})"


def confusable_twins(one: Demographics, other: Demographics) -> bool:
    """Two children born the same day at the same home, surnames and given names alike.

    The hub holds each child once, so two children it holds like this are a multiple
    birth (twins, triplets) whose names a typo turns into each other (Anna and Ana),
    whether or not any record said so; or one child held twice, which a person must
    look at too. Either way, a link to one of them made on demographics alone may
    belong to the other. Twins named James and Lucy are not confused by a typo.
    """
    if not one.date_of_birth or one.date_of_birth != other.date_of_birth:
        return False
    if not _same_home(one, other):
        return False
    family = likeness(one.family_name, other.family_name)
    given = likeness(one.given_name, other.given_name)
    return (family is Likeness.SAME or family.near) and (given is Likeness.SAME or given.near)


def birth_date_relation(record: str | None, candidate: str | None) -> BirthDate:
    """Whether two ISO dates of birth are the same, transposed, a day apart or different."""
    if not record or not candidate:
        return BirthDate.MISSING
    if record == candidate:
        return BirthDate.SAME
    try:
        left, right = date.fromisoformat(record), date.fromisoformat(candidate)
    except ValueError:
        return BirthDate.DIFFERENT
    if (left.year, left.month, left.day) == (right.year, right.day, right.month):
        return BirthDate.TRANSPOSED
    if abs((left - right).days) == 1:
        return BirthDate.ONE_DAY
    return BirthDate.DIFFERENT


def nearby_birth_dates(date_of_birth: str) -> list[str]:
    """Dates a mistyped date of birth may really be: day and month swapped, a day either side."""
    try:
        born = date.fromisoformat(date_of_birth)
    except ValueError:
        return []
    nearby = [born - timedelta(days=1), born + timedelta(days=1)]
    if born.day <= 12 and born.day != born.month:
        nearby.insert(0, born.replace(month=born.day, day=born.month))
    return [day.isoformat() for day in nearby]


def _points(found: Likeness) -> float:
    if found is Likeness.SAME:
        return 1.0
    return 0.6 if found.near else 0.0


def _has_home(subject: Demographics) -> bool:
    return bool(subject.household_reference or subject.postcode)


def postcode_key(postcode: str | None) -> str:
    return "".join((postcode or "").upper().split())


def _same_home(subject: Demographics, candidate: Demographics) -> bool:
    if subject.household_reference and (
        subject.household_reference == candidate.household_reference
    ):
        return True
    key = postcode_key(subject.postcode)
    return bool(key) and key == postcode_key(candidate.postcode)
