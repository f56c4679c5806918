"""Households: a child joining one, and a notification reaching every child of one (P3, F2).

Agencies' records arrive in any order, so a child the hub learns lives at a dwelling
also gets the household's recent notifications (``HOUSEHOLD_LOOKBACK``), and a
notification about a dwelling reaches each of its children once, named in it or not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from hub.application.facts import AgencyFact
from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.chronology import ChronologyEntry
from hub.domain.indexes import Household, IndexIds

# How far back a household's notifications reach a child newly known to live there.
HOUSEHOLD_LOOKBACK = timedelta(days=28)


def join_household(
    uow: UnitOfWork, ids: IndexIds, child: Child, reference: str, as_of: str
) -> None:
    """The child joins the household at ``reference``, and gets its recent notifications."""
    household_id = ids.household(reference)
    household = uow.get(Household, household_id) or uow.add(
        Household(aggregate_id=household_id, household_reference=reference)
    )
    if not household.add_member(child.id):
        return
    child.join_household(reference)
    for member_id in household.member_ids():
        if member_id != child.id:
            member = uow.get(Child, member_id)
            if member is not None:
                member.link_sibling(child.id)
                child.link_sibling(member_id)
    # Agencies' records arrive in any order: a child the hub learns lives here gets the
    # household's recent notifications too, so nothing depends on which topic came first.
    earliest = (datetime.fromisoformat(as_of) - HOUSEHOLD_LOOKBACK).isoformat()
    for incident in household.incidents_since(earliest):
        child.record_entry(ChronologyEntry.from_dict(incident))


def fan_out(uow: UnitOfWork, ids: IndexIds, fact: AgencyFact, reached: set[UUID]) -> int:
    """Every child of the household gets the entry once, named in it or not (P3)."""
    reference = fact.household_fanout
    if reference is None or fact.entry is None:
        return 0
    household_id = ids.household(reference)
    household = uow.get(Household, household_id) or uow.add(
        Household(aggregate_id=household_id, household_reference=reference)
    )
    incident = {
        **fact.entry.to_dict(),
        "details": {**fact.entry.details, "named_in_notification": False},
        "resolved_via": "household",
    }
    household.record_incident(incident)
    count = 0
    for member_id in household.member_ids():
        if member_id in reached:
            continue
        member = uow.get(Child, member_id)
        if member is None or member.has_seen(fact.event_id):
            continue
        member.record_entry(ChronologyEntry.from_dict(incident))
        reached.add(member_id)
        count += 1
    return count
