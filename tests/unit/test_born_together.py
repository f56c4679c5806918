"""Twins found late: a link made on demographics alone is put to a person when a twin appears.

The hub knows Ana from her school, with her NHS number; an A&E system registers her
twin Anna with a typo ("Ana") and no NHS number, which matches Ana exactly and is
linked to her. Only when the school's record of Anna arrives does the hub hold two
children born the same day at the same home with the same surname. From then on both
are held as one of a multiple birth, and the earlier link is a doubt a person answers
(unlink, which withdraws the entry, or settle, which keeps it).

When the A&E record has no NHS number and neither has the child it matches (the case
the identity bench found on its third seed), the exact match is not linked at all: it
waits for a person, because an untraced registration and an untraced child are never
joined on demographics. Schools and the police hold no NHS numbers, so their exact
matches still link (an Operation Encompass notice must reach the school the same day).
"""

from __future__ import annotations

from collections.abc import Iterator
from uuid import UUID

import pytest

from hub.application.facts import AgencyFact, SubjectRef
from hub.application.hub_app import HubApplication, InboundMessage
from hub.domain.chronology import ChronologyEntry
from hub.domain.identity import Demographics

WHEN = "2026-11-02T10:00:00+00:00"


def _fact(
    reference: str, agency: str, keys: tuple[str, ...], given: str, postcode: str = "EQ1 2ZF"
) -> AgencyFact:
    entry = ChronologyEntry(
        event_id=f"event-{reference}",
        agency=agency,
        kind="unscheduled-care-arrival" if agency == "EMERGENCY_CARE" else "school-absence",
        occurred_at=WHEN,
        recorded_at=WHEN,
        summary="record",
        source_organisation="ORG",
        source_reference=reference,
    )
    demographics = Demographics(given, "Chapman", "2013-07-21", postcode)
    return AgencyFact(
        event_id=entry.event_id,
        agency=agency,
        subjects=(SubjectRef(keys=keys, demographics=demographics),),
        entry=entry,
    )


ANA_AT_SCHOOL = _fact("ana-school", "SCHOOL", ("upn/N992374917094", "nhs/9990000018"), "Ana")
UNTRACED_ANA_AT_SCHOOL = _fact("ana-school", "SCHOOL", ("upn/N992374917094",), "Ana")
ANNA_AT_AE_AS_ANA = _fact("anna-ae", "EMERGENCY_CARE", ("local/EMERGENCY_CARE/RXX01/ae-1",), "Ana")
ANNA_AT_SCHOOL = _fact("anna-school", "SCHOOL", ("upn/R992337917399",), "Anna")


@pytest.fixture
def app() -> Iterator[HubApplication]:
    hub = HubApplication(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    yield hub
    hub.close()


def _ingest(app: HubApplication, *facts: AgencyFact) -> None:
    app.ingest([InboundMessage("t", 0, n, b"", fact) for n, fact in enumerate(facts)], None)


def _entry_ids(app: HubApplication, child_id: UUID) -> list[str]:
    return [entry.event_id for entry in app.get_child(child_id).chronology()]


def test_the_twin_arriving_puts_the_earlier_demographic_link_to_a_person(
    app: HubApplication,
) -> None:
    """The typo'd A&E record was linked to Ana; Anna's arrival makes it a doubt on Ana."""
    _ingest(app, ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA)
    ana = app.find_child("upn/N992374917094")
    assert ["event-ana-school", "event-anna-ae"] == _entry_ids(app, ana.id)
    assert [] == app.doubted_children()

    _ingest(app, ANNA_AT_SCHOOL)
    anna = app.find_child("upn/R992337917399")
    assert anna.id != ana.id
    [doubted] = app.doubted_children()
    assert doubted.id == ana.id
    [doubt] = doubted.identity_doubts()
    assert doubt["born_with"] == str(anna.id)
    assert {"local/EMERGENCY_CARE/RXX01/ae-1": ["event-anna-ae"]} == doubt["links"]
    assert app.get_child(ana.id).demographics.multiple_birth
    assert app.get_child(anna.id).demographics.multiple_birth


def test_an_untraced_record_is_not_joined_to_an_untraced_child_on_demographics(
    app: HubApplication,
) -> None:
    """Ana known only by UPN; an A&E "Ana" with no NHS number waits for a person, unlinked.

    This is the twin the hub cannot yet see: had the record been Anna's, a link would
    put Anna's attendance in Ana's chronology with nothing in the data to say so.
    """
    _ingest(app, UNTRACED_ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA)
    ana = app.find_child("upn/N992374917094")
    assert ["event-ana-school"] == _entry_ids(app, ana.id)
    [case] = app.open_cases()
    assert "NHS number" in case.reason
    assert [str(ana.id)] == [candidate["child_id"] for candidate in case.candidates]


def test_a_police_record_without_an_nhs_number_still_links_to_an_untraced_child(
    app: HubApplication,
) -> None:
    """The police hold no NHS numbers: their exact match to a pupil known by UPN links."""
    police = _fact("police-1", "POLICE", ("local/POLICE/FORCE01/person-7",), "Ana")
    _ingest(app, UNTRACED_ANA_AT_SCHOOL, police)
    ana = app.find_child("upn/N992374917094")
    assert ["event-ana-school", "event-police-1"] == _entry_ids(app, ana.id)
    assert [] == app.open_cases()


def test_twins_whose_names_a_typo_cannot_confuse_still_link_on_demographics(
    app: HubApplication,
) -> None:
    """Zara and Ana, born together: a hospital's exact "Ana" links to Ana, who is traced.

    Only names a typo turns into each other make twins a risk; holding every record of
    every twin would queue records no person needs to see.
    """
    zara = _fact("zara-school", "SCHOOL", ("upn/R992337917399",), "Zara")
    again = _fact("ae-2", "EMERGENCY_CARE", ("local/EMERGENCY_CARE/RYY02/ae-9",), "Ana")
    _ingest(app, ANA_AT_SCHOOL, zara, again)
    ana = app.find_child("upn/N992374917094")
    assert "event-ae-2" in _entry_ids(app, ana.id)
    assert [] == app.open_cases()
    assert [] == app.doubted_children()


def test_after_the_twin_is_known_a_record_of_either_waits_for_a_person(
    app: HubApplication,
) -> None:
    """With Anna known beside Ana, another untraced "Ana" record waits for a person."""
    _ingest(app, ANA_AT_SCHOOL, ANNA_AT_SCHOOL)
    again = _fact("ae-2", "EMERGENCY_CARE", ("local/EMERGENCY_CARE/RYY02/ae-9",), "Ana")
    _ingest(app, again)
    assert "event-ae-2" not in _entry_ids(app, app.find_child("upn/N992374917094").id)
    assert 1 == len(app.open_cases())


def test_unlinking_the_doubted_identifier_withdraws_the_record_it_brought(
    app: HubApplication,
) -> None:
    """The person finds the record was Anna's: the entry leaves Ana's chronology, the doubt goes."""
    _ingest(app, ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA, ANNA_AT_SCHOOL)
    ana = app.find_child("upn/N992374917094")
    withdrawn = app.unlink_identifier(
        ana.id, "local/EMERGENCY_CARE/RXX01/ae-1", "operator:test", "it was her twin"
    )
    assert ["event-anna-ae"] == [entry.event_id for entry in withdrawn]
    assert ["event-ana-school"] == _entry_ids(app, ana.id)
    assert [] == app.doubted_children()
    assert [] == app.get_child(ana.id).identity_doubts()


def test_a_settled_doubt_stays_settled(app: HubApplication) -> None:
    """Kept by a person, the link is not doubted again when the child's details change."""
    _ingest(app, ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA, ANNA_AT_SCHOOL)
    ana = app.find_child("upn/N992374917094")
    app.settle_identity_doubts(ana.id, "operator:test", "hospital confirmed it was Ana")
    assert [] == app.doubted_children()
    moved = _fact("ana-moved", "SCHOOL", ("upn/N992374917094",), "Ana", postcode="EQ9 9ZZ")
    _ingest(app, moved)
    assert [] == app.doubted_children()
    assert "event-anna-ae" in _entry_ids(app, ana.id)


def test_children_born_the_same_day_at_one_home_with_other_surnames_are_not_twins(
    app: HubApplication,
) -> None:
    """Same date of birth and postcode, another family: no flag and no doubt."""
    other = AgencyFact(
        event_id="event-other",
        agency="SCHOOL",
        subjects=(
            SubjectRef(
                keys=("upn/A123456789012",),
                demographics=Demographics("Ana", "Okafor", "2013-07-21", "EQ1 2ZF"),
            ),
        ),
        entry=_fact("other", "SCHOOL", (), "Ana").entry,
    )
    _ingest(app, ANA_AT_SCHOOL, ANNA_AT_AE_AS_ANA, other)
    assert [] == app.doubted_children()
    assert not app.get_child(app.find_child("upn/N992374917094").id).demographics.multiple_birth
