"""Identity hard cases with ground truth: what tempts a matcher to merge two children, or split one.

With ``GeneratorConfig.hard_cases`` above zero, about that share of children are made
hard to identify, in the ways the hub must never guess about:

- ``near-name-twins`` / ``near-name-triplets``: a household's children born the same day,
  same surname and home, with given names a letter apart (Ava/Eva, Jon/Joan, Lily/Lila/Lola);
  a third of the second twins have no NHS number (known to school by UPN only).
- ``misspelt``: one agency's system holds the given name a letter wrong.
- ``nickname``: one agency knows the child by a short form (Tom for Thomas).
- ``transposed-dob``: one agency's system has the day and month of birth swapped.
- ``surname-change``: a child on a plan took another surname; children's social care and
  the police record the new one, other agencies the old.

Every hard case is listed with its child, the agency and what that agency records, in
``identity-hard-cases.jsonl``; ``ground-truth.jsonl`` says as always which child each
record is about. The hard-case streams are separate, and nothing is drawn from them at
share zero, so earlier runs' files are unchanged.
"""

from __future__ import annotations

import json
import random

from synthetic.misspell import _typo
from synthetic.model import Child, Quirk
from synthetic.names import SURNAMES

# Given names a letter apart, with sexes: (name, sex) per child of the multiple birth.
NEAR_NAME_TWINS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Ava", "F"), ("Eva", "F")),
    (("Jon", "M"), ("Joan", "F")),
    (("Mia", "F"), ("Mila", "F")),
    (("Lily", "F"), ("Lila", "F")),
    (("Anna", "F"), ("Ana", "F")),
    (("Jayden", "M"), ("Jaiden", "M")),
    (("Leo", "M"), ("Lea", "F")),
    (("Finn", "M"), ("Fynn", "M")),
    (("Isla", "F"), ("Isra", "F")),
    (("Amir", "M"), ("Amira", "F")),
    (("Milo", "M"), ("Mila", "F")),
    (("Kian", "M"), ("Kiana", "F")),
)
NEAR_NAME_TRIPLETS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("Lily", "F"), ("Lila", "F"), ("Lola", "F")),
    (("Mia", "F"), ("Mila", "F"), ("Milo", "M")),
    (("Ella", "F"), ("Elle", "F"), ("Ellie", "F")),
)
# Short forms agencies use for given names in the generator's lists.
NICKNAMES = {
    "Christopher": "Chris",
    "Daniel": "Danny",
    "Joseph": "Joe",
    "Samuel": "Sam",
    "Thomas": "Tom",
    "William": "Will",
    "Zachary": "Zac",
    "Matthew": "Matt",
    "Oliver": "Ollie",
    "Robert": "Rob",
    "Isabella": "Izzy",
    "Matilda": "Tilly",
    "Eleanor": "Ellie",
    "Jessica": "Jess",
    "Abigail": "Abbie",
    "Florence": "Flo",
    "Benjamin": "Ben",
    "Frederick": "Freddie",
    "Joshua": "Josh",
    "Sebastian": "Seb",
    "Tobias": "Toby",
    "Dominic": "Dom",
    "Nathan": "Nate",
    "Gabriel": "Gabe",
    "Henry": "Harry",
    "Elijah": "Eli",
    "Evelyn": "Evie",
    "Amelia": "Millie",
    "Imogen": "Immy",
    "Georgia": "Georgie",
}
MULTIPLE_BIRTH_SHARE = 0.3  # of the hard-case share: children born in near-name multiples
SECOND_TWIN_WITHOUT_NHS = 1 / 3
SURNAME_CHANGE_PER_PLAN = 5.0  # on-plan children changing surname, per unit of the share
# Agencies an individual hard case is recorded by (the keys of ground-truth.jsonl).
AGENCIES = ("ae", "police", "school", "csc")
NEW_SURNAME_AGENCIES = frozenset({"csc", "police"})


def multiple_birth_names(rng: random.Random, size: int) -> tuple[tuple[str, str], ...]:
    """Near names for twins (2) or triplets (3)."""
    return rng.choice(NEAR_NAME_TWINS if size == 2 else NEAR_NAME_TRIPLETS)


def is_multiple_birth_household(rng: random.Random, share: float) -> bool:
    """Whether the next household is a near-name multiple birth (never at share zero)."""
    if share <= 0:
        return False
    # A household holds 1.8 children on average, a multiple birth 2.25: scale to children.
    return rng.random() < share * MULTIPLE_BIRTH_SHARE * 0.8


def assign_quirks(children: list[Child], share: float, rng: random.Random) -> None:
    """Give about ``share`` of children an individual identity hard case (none at zero)."""
    if share <= 0:
        return
    individual = share * (1 - MULTIPLE_BIRTH_SHARE)
    for child in children:
        if child.quirks:
            continue
        if child.on_plan and rng.random() < min(1.0, share * SURNAME_CHANGE_PER_PLAN):
            _change_surname(child, rng)
            continue
        if rng.random() >= individual:
            continue
        kinds = ["misspelt"]
        if child.dob.day <= 12 and child.dob.day != child.dob.month:
            kinds.append("transposed-dob")
        kind = rng.choice(kinds)
        if child.given_name in NICKNAMES and rng.random() < 0.6:
            kind = "nickname"
        agency = rng.choice(AGENCIES if child.upn else ("ae", "police", "csc"))
        if kind == "misspelt":
            quirk = Quirk(kind, agency, given_name=_misspelt(child.given_name, rng))
        elif kind == "nickname":
            quirk = Quirk(kind, agency, given_name=NICKNAMES[child.given_name])
        else:
            swapped = child.dob.replace(month=child.dob.day, day=child.dob.month)
            quirk = Quirk(kind, agency, date_of_birth=swapped)
        child.quirks[agency] = quirk
        child.scenarios.append(f"identity-{kind}")


def _misspelt(name: str, rng: random.Random) -> str:
    """A one-slip typo (never a known variant): what a receptionist's keyboard does."""
    for _ in range(8):
        typo = _typo(name, rng)
        if typo != name:
            return typo
    return name + name[-1]


def _change_surname(child: Child, rng: random.Random) -> None:
    """The child's new surname (theirs alone: the household's other children keep theirs)."""
    new = rng.choice([s for s in SURNAMES if s != child.family_name])
    if rng.random() < 0.5:
        new = f"{child.family_name}-{new}"
    changed_on = child.plan_started or child.dob
    for agency in sorted(NEW_SURNAME_AGENCIES):
        child.quirks[agency] = Quirk(
            "surname-change", agency, family_name=new, changed_on=changed_on
        )
    child.scenarios.append("identity-surname-change")


def mark_multiple_birth(members: list[Child], rng: random.Random) -> None:
    """Tag a near-name multiple birth; a third of second twins have no NHS number."""
    kind = "near-name-twins" if len(members) == 2 else "near-name-triplets"
    for child in members:
        child.scenarios.append(f"identity-{kind}")
    if rng.random() < SECOND_TWIN_WITHOUT_NHS:
        members[1].nhs_number = None


def hard_case_lines(children: list[Child]) -> str:
    """``identity-hard-cases.jsonl``: one line per hard-case child and agency (or household)."""
    lines = []
    by_id = {child.child_id: child for child in children}
    for child in children:
        multiple = [s for s in child.scenarios if s.startswith("identity-near-name-")]
        if multiple:
            record = {
                "child_id": child.child_id,
                "hard_case": multiple[0].removeprefix("identity-"),
                "agency": None,
                "given_name": child.given_name,
                "born_with": sorted(
                    other
                    for other in child.sibling_ids
                    if other in by_id and by_id[other].dob == child.dob
                ),
            }
            lines.append(json.dumps(record) + "\n")
        for agency, quirk in sorted(child.quirks.items()):
            record = {
                "child_id": child.child_id,
                "hard_case": quirk.kind,
                "agency": agency,
                "recorded_given_name": quirk.given_name,
                "recorded_family_name": quirk.family_name,
                "recorded_date_of_birth": (
                    quirk.date_of_birth.isoformat() if quirk.date_of_birth else None
                ),
                "changed_on": quirk.changed_on.isoformat() if quirk.changed_on else None,
            }
            lines.append(json.dumps(record) + "\n")
    return "".join(lines)
