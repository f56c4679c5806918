"""Demographic matching links only exact, unique matches; everything fuzzy goes to review."""

from __future__ import annotations

import random
from uuid import uuid4

from hub.domain.identity import (
    BirthDate,
    Candidate,
    Demographics,
    Outcome,
    Strength,
    birth_date_relation,
    decide,
    nearby_birth_dates,
)
from hub.domain.names import Likeness, _within_one_edit, likeness, name_key, normalise, similarity

DOB = "2015-03-04"
UPRN = "100012345678"


def _child(
    given: str,
    family: str = "Smith",
    postcode: str | None = "LS1 4AB",
    nhs: str | None = None,
    dob: str = DOB,
    upn: str | None = None,
    uprn: str | None = UPRN,
) -> Candidate:
    return Candidate(uuid4(), Demographics(given, family, dob, postcode, uprn, nhs, upn))


def _record(
    given: str | None,
    family: str | None = "Smith",
    postcode: str | None = "LS1 4AB",
    nhs: str | None = None,
    dob: str = DOB,
    upn: str | None = None,
    uprn: str | None = None,
) -> Demographics:
    return Demographics(given, family, dob, postcode, uprn, nhs, upn)


def test_names_are_normalised_for_case_accents_and_punctuation() -> None:
    """Names normalise alike whatever their case, apostrophes and hyphens; accents go."""
    assert normalise("O'Brien-Smith") == "OBRIEN SMITH"
    assert normalise("Zoë") == "ZOE"


def test_hyphen_and_space_spellings_of_one_name_are_the_same_name() -> None:
    """Mary-Ann, mary ann and MARY - ANN are one name, so an exact match."""
    assert name_key("Mary-Ann") == name_key("mary ann") == name_key("MARY - ANN") == "MARYANN"
    assert likeness("Mary-Ann", "MARY  ANN") is Likeness.SAME


def test_one_letter_typo_and_known_variants_are_similar_not_equal() -> None:
    """Jayden/Jaden (variant) and Jonson/Jonsen (one edit) score 0.6; unrelated names 0."""
    assert similarity("Jayden", "Jaden") == 0.6
    assert similarity("Jonson", "Jonsen") == 0.6
    assert similarity("Olivia", "Amelia") == 0.0


def test_name_likeness_says_how_names_differ() -> None:
    """Ava/Eva a letter, Jon/Joan a letter, Tom/Thomas a nickname, Smith/Smith-Jones a part."""
    assert [
        Likeness.ONE_LETTER,
        Likeness.ONE_LETTER,
        Likeness.NICKNAME,
        Likeness.PART,
        Likeness.VARIANT,
    ] == [
        likeness("Ava", "Eva"),
        likeness("Jon", "Joan"),
        likeness("Tom", "Thomas"),
        likeness("Smith", "Smith-Jones"),
        likeness("Reece", "Rhys"),
    ]


def test_two_slips_and_a_dropped_letter_in_a_short_name_are_near() -> None:
    """Nivo/Nuco (two slips) and Ma/Mia (a letter dropped) are near; Olivia/Amelia is not."""
    assert [Likeness.TWO_LETTERS, Likeness.ONE_LETTER, Likeness.DIFFERENT] == [
        likeness("Nivo", "Nuco"),
        likeness("Ma", "Mia"),
        likeness("Olivia", "Amelia"),
    ]


def test_exact_names_dob_and_address_link_automatically() -> None:
    """An exact match with no other plausible candidate is linked."""
    child = _child("Olivia")
    decision = decide(_record("Olivia"), [child])
    assert (Outcome.MATCHED, child.child_id) == (decision.outcome, decision.child_id)


def test_exact_match_ignores_case_accents_and_hyphen_spacing() -> None:
    """Lower case, no accent, apostrophe and hyphen: still the known Zoë OBrien Smith."""
    child = _child("Zoë", "OBrien Smith")
    decision = decide(_record("zoe", "o'brien-smith", postcode="ls1 4ab"), [child])
    assert (Outcome.MATCHED, child.child_id) == (decision.outcome, decision.child_id)


def test_same_uprn_is_the_same_home_without_a_postcode() -> None:
    """A record giving only the UPRN matches a child known at that UPRN."""
    child = _child("Olivia")
    decision = decide(_record("Olivia", postcode=None, uprn=UPRN), [child])
    assert Outcome.MATCHED == decision.outcome


def test_twin_with_a_different_given_name_does_not_block_an_exact_match() -> None:
    """Twins Olivia and Amelia: a record for Olivia links to Olivia."""
    olivia, amelia = _child("Olivia"), _child("Amelia")
    decision = decide(_record("Olivia"), [olivia, amelia])
    assert olivia.child_id == decision.child_id


def test_twin_one_letter_apart_is_never_linked() -> None:
    """Eva's record against twin Ava (same surname, birth date, home) goes to review."""
    ava = _child("Ava", nhs="9434765919")
    decision = decide(_record("Eva", upn="A383200119007"), [ava])
    assert (Outcome.REVIEW, [ava.child_id]) == (
        decision.outcome,
        [c.child_id for c in decision.candidates],
    )


def test_review_reason_tells_the_officer_why() -> None:
    """The reason names the one-letter difference and that twins share the rest."""
    decision = decide(_record("Eva"), [_child("Ava")])
    assert "given name differs by one letter" in decision.reason
    assert "twins share surname, date of birth and home" in decision.reason


def test_exact_match_with_a_near_named_twin_goes_to_review() -> None:
    """A record for Jon matches Jon exactly, but twin Joan is a letter away: reviewed."""
    jon, joan = _child("Jon"), _child("Joan")
    decision = decide(_record("Jon"), [joan, jon])
    assert (Outcome.REVIEW, jon.child_id) == (decision.outcome, decision.candidates[0].child_id)
    assert Strength.CERTAIN == decision.candidates[0].strength


def test_twins_with_similar_names_go_to_review() -> None:
    """Twins Jayden and Jaiden: a record saying "Jaden" could be either, so a person decides."""
    decision = decide(_record("Jaden"), [_child("Jayden"), _child("Jaiden")])
    assert decision.outcome == Outcome.REVIEW
    assert len(decision.candidates) == 2


def test_triplets_with_near_names_all_appear_as_candidates() -> None:
    """Triplets Lily, Lila and Lola: a record for "Lila" lists Lila and both near-named sisters."""
    lily, lila, lola = _child("Lily"), _child("Lila"), _child("Lola")
    decision = decide(_record("Lila"), [lily, lila, lola])
    assert (Outcome.REVIEW, 3) == (decision.outcome, len(decision.candidates))


def test_typo_matching_two_children_goes_to_review() -> None:
    """A misspelt given name close to two children's names is never merged on a guess."""
    decision = decide(_record("Mila"), [_child("Mia"), _child("Milan")])
    assert decision.outcome == Outcome.REVIEW


def test_one_letter_misspelling_of_a_single_child_goes_to_review() -> None:
    """A one-letter typo of the only Olivia at the home was "probable" before; now reviewed."""
    decision = decide(_record("Olivai"), [_child("Olivia")])
    assert (Outcome.REVIEW, Strength.PROBABLE) == (
        decision.outcome,
        decision.candidates[0].strength,
    )


def test_nickname_goes_to_review() -> None:
    """A nickname ("Alex" for the known Alexander) is plausible, not certain."""
    decision = decide(_record("Alex"), [_child("Alexander")])
    assert (Outcome.REVIEW, "only a near match: given name is a short form or nickname") == (
        decision.outcome,
        decision.reason.split(";")[0],
    )


def test_hyphenated_surname_goes_to_review() -> None:
    """Ava Smith-Jones at Ava Smith's home is not an exact match."""
    decision = decide(_record("Ava", "Smith-Jones"), [_child("Ava")])
    assert decision.outcome == Outcome.REVIEW
    assert "hyphenated" in decision.reason


def test_changed_surname_at_the_same_home_goes_to_review() -> None:
    """Same given name, birth date and home but another surname: perhaps a changed surname."""
    decision = decide(_record("Ava", "Jones"), [_child("Ava")])
    assert (Outcome.REVIEW, True) == (decision.outcome, "changed surname" in decision.reason)


def test_transposed_day_and_month_goes_to_review() -> None:
    """A record dated 2015-04-03 for the child born 2015-03-04 waits for a person."""
    child = _child("Olivia", dob="2015-03-04")
    decision = decide(_record("Olivia", dob="2015-04-03"), [child])
    assert Outcome.REVIEW == decision.outcome
    assert "day and month transposed" in decision.reason


def test_nearby_birth_dates_include_the_transposed_date_and_either_side() -> None:
    """2015-03-04 may really be 2015-04-03, 2015-03-03 or 2015-03-05."""
    assert ["2015-04-03", "2015-03-03", "2015-03-05"] == nearby_birth_dates("2015-03-04")
    assert ["2015-03-30", "2015-04-01"] == nearby_birth_dates("2015-03-31")


def test_birth_dates_far_apart_are_different_children() -> None:
    """Dates neither equal, transposed nor a day apart mean another child."""
    assert BirthDate.DIFFERENT == birth_date_relation("2015-03-04", "2015-03-09")
    decision = decide(_record("Olivia", dob="2015-03-09"), [_child("Olivia")])
    assert decision.outcome == Outcome.NEW_CHILD


def test_only_a_possible_match_goes_to_review() -> None:
    """Same names and date of birth but a different address is not certain enough."""
    decision = decide(_record("Olivia", postcode="LS9 9ZZ"), [_child("Olivia")])
    assert decision.outcome == Outcome.REVIEW


def test_conflicting_nhs_numbers_mean_different_children() -> None:
    """A candidate with a different NHS number is never the same child."""
    decision = decide(_record("Olivia", nhs="9434765919"), [_child("Olivia", nhs="9434765870")])
    assert decision.outcome == Outcome.NEW_CHILD


def test_conflicting_upns_mean_different_children() -> None:
    """A candidate already holding another UPN is another child, even with the same name."""
    decision = decide(
        _record("Olivia", upn="A383200119007"), [_child("Olivia", upn="B383200119008")]
    )
    assert decision.outcome == Outcome.NEW_CHILD


def test_missing_given_name_is_not_a_match() -> None:
    """A record without a given name never matches a named child (as before)."""
    assert decide(_record(None), [_child("Olivia")]).outcome == Outcome.NEW_CHILD


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
