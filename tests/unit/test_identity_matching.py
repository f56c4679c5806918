"""Demographic matching links only certain matches; twins and ambiguous typos go to review."""

from __future__ import annotations

import random
from uuid import uuid4

from hub.domain.identity import Candidate, Demographics, Outcome, decide
from hub.domain.names import _within_one_edit, normalise, similarity

DOB = "2015-03-04"


def _child(
    given: str, family: str = "Smith", postcode: str = "LS1 4AB", nhs: str | None = None
) -> Candidate:
    return Candidate(
        uuid4(),
        Demographics(given, family, DOB, postcode, "100012345678", nhs),
    )


def _record(
    given: str, family: str = "Smith", postcode: str = "LS1 4AB", nhs: str | None = None
) -> Demographics:
    return Demographics(given, family, DOB, postcode, None, nhs)


def test_names_are_normalised_for_case_accents_and_punctuation() -> None:
    """Names normalise alike whatever their case, apostrophes and hyphens; accents go."""
    assert normalise("O'Brien-Smith") == "OBRIEN SMITH"
    assert normalise("Zoë") == "ZOE"


def test_one_letter_typo_and_known_variants_are_similar_not_equal() -> None:
    """Jayden/Jaden (variant) and Jonson/Jonsen (one edit) score 0.6; unrelated names 0."""
    assert similarity("Jayden", "Jaden") == 0.6
    assert similarity("Jonson", "Jonsen") == 0.6
    assert similarity("Olivia", "Amelia") == 0.0


def test_exact_names_dob_and_address_link_automatically() -> None:
    """A certain match with no other plausible candidate is linked."""
    child = _child("Olivia")
    decision = decide(_record("Olivia"), [child])
    assert (Outcome.MATCHED, child.child_id) == (decision.outcome, decision.child_id)


def test_twin_with_a_different_given_name_does_not_block_a_certain_match() -> None:
    """Twins Olivia and Amelia: a record for Olivia links to Olivia."""
    olivia, amelia = _child("Olivia"), _child("Amelia")
    decision = decide(_record("Olivia"), [olivia, amelia])
    assert olivia.child_id == decision.child_id


def test_twins_with_similar_names_go_to_review() -> None:
    """Twins Jayden and Jaiden: a record saying "Jaden" could be either, so a person decides."""
    decision = decide(_record("Jaden"), [_child("Jayden"), _child("Jaiden")])
    assert decision.outcome == Outcome.REVIEW
    assert len(decision.candidates) == 2


def test_typo_matching_two_children_goes_to_review() -> None:
    """A misspelt given name close to two children's names is never merged on a guess."""
    decision = decide(_record("Mila"), [_child("Mia"), _child("Milan")])
    assert decision.outcome == Outcome.REVIEW


def test_only_a_possible_match_goes_to_review() -> None:
    """Same names and date of birth but a different address is not certain enough."""
    decision = decide(_record("Olivia", postcode="LS9 9ZZ"), [_child("Olivia")])
    assert decision.outcome == Outcome.REVIEW


def test_conflicting_nhs_numbers_mean_different_children() -> None:
    """A candidate with a different NHS number is never the same child."""
    decision = decide(_record("Olivia", nhs="9434765919"), [_child("Olivia", nhs="9434765870")])
    assert decision.outcome == Outcome.NEW_CHILD


def test_no_candidates_means_a_new_child() -> None:
    """Nobody born that day with a similar name: the record is a child the hub does not know."""
    assert decide(_record("Olivia"), []).outcome == Outcome.NEW_CHILD


def _one_letter_more_by_brute_force(shorter: str, longer: str) -> bool:
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def test_one_inserted_or_dropped_letter_matches_the_brute_force_definition() -> None:
    """Names a letter apart are found as by trying every deletion, including at either end."""
    rng = random.Random(7)
    cases = [("ANA", "ANNA"), ("LIAM", "LIAMS"), ("LIAM", "XLIAM"), ("OLVIA", "OLIVIA")]
    for _ in range(3000):
        longer = "".join(rng.choice("ABN") for _ in range(rng.randint(4, 8)))
        cut = rng.randrange(len(longer))
        shorter = longer[:cut] + longer[cut + 1 :]
        if rng.random() < 0.5:  # often also change a letter, which must then not match
            spot = rng.randrange(len(shorter))
            shorter = shorter[:spot] + rng.choice("ABN") + shorter[spot + 1 :]
        cases.append((shorter, longer))
    for shorter, longer in cases:
        expected = len(shorter) >= 3 and _one_letter_more_by_brute_force(shorter, longer)
        assert _within_one_edit(shorter, longer) is expected, (shorter, longer)
        assert _within_one_edit(longer, shorter) is expected, (longer, shorter)
