"""The Child aggregate: one chronology per child, current plan status, and who is involved.

Everything known about a child is an event on this aggregate, so nothing is
ever lost (requirement C1): entries are appended, corrections are further
events (an entry withdrawn after an identity unlink says why; an entry its agency
cancelled stays in the chronology, marked withdrawn with the reason).

The module is over 400 lines because an aggregate is one class: every event is stored
under its topic ``hub.domain.child:Child.<Event>``, so the events (identity links and
doubts, chronology entries and withdrawals, plans, schools, households) stay declared
on ``Child``; what they compute lives beside it (``enrolment``, ``chronology``,
``identity``).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from hub.domain.chronology import ChronologyEntry
from hub.domain.enrolment import (
    latest_school,
    roll_record_supersedes,
    schools_on_roll,
    widened_sighting,
)
from hub.domain.identity import Demographics
from hub.domain.withdrawal import Update, Withdrawal, first_covering, withdrawn_copy

MOVABLE_DETAILS = frozenset({"postcode", "household_reference"})
CHILD_NAMESPACE = UUID("4d3a7a52-2b7e-5d0b-9c51-0c6a1f0e9b11")


class Child(Aggregate):
    """A child known to the hub."""

    @staticmethod
    def create_id(first_event_id: str, subject_index: int = 0, **_: Any) -> UUID:
        """Deterministic: the same first record always creates the same child id."""
        return uuid5(CHILD_NAMESPACE, f"child/{first_event_id}/{subject_index}")

    @event("Registered")
    def __init__(
        self, first_event_id: str, subject_index: int, details: dict[str, str | None]
    ) -> None:
        self.details: dict[str, str | None] = dict(details)
        self.identifiers: dict[str, str] = {}
        self.entries: list[ChronologyEntry] = []
        self.event_ids: set[str] = set()
        self.plan: dict[str, Any] | None = None
        self.plan_history: list[dict[str, Any]] = []
        self.looked_after: bool = False
        self.responsible_authority: dict[str, str] | None = None
        self.professionals: dict[str, dict[str, str | None]] = {}
        self.households: list[str] = []
        self.siblings: set[str] = set()

    # Identity -------------------------------------------------------------------------------

    @property
    def demographics(self) -> Demographics:
        return Demographics(
            given_name=self.details.get("given_name"),
            family_name=self.details.get("family_name"),
            date_of_birth=self.details.get("date_of_birth"),
            postcode=self.details.get("postcode"),
            household_reference=self.details.get("household_reference"),
            nhs_number=self.identifiers.get("nhs"),
            upn=self.identifiers.get("upn"),
            multiple_birth=self.details.get("multiple_birth") == "Y",
        )

    @property
    def nhs_number(self) -> str | None:
        return self.identifiers.get("nhs")

    def link_identifier(self, key: str, basis: str, by: str = "hub", reason: str = "") -> None:
        """Record that ``key`` (``nhs/...``, ``upn/...``, ``local/...``) identifies this child."""
        if not self._has_key(key):
            self.trigger_event(self.IdentifierLinked, key=key, basis=basis, by=by, reason=reason)

    # The events ingestion records often are declared as classes rather than with ``@event``,
    # whose argument handling cost about 30 us a call (docs/benchmarks.md). Stored topics
    # (``Child.IdentifierLinked``) and states are the same as the decorator's.

    class IdentifierLinked(Aggregate.Event):
        """An identifier (NHS number, UPN, an agency-local id) now names this child."""

        key: str
        basis: str
        by: str
        reason: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            kind, _, value = self.key.partition("/")
            if kind in ("nhs", "upn"):
                aggregate.identifiers[kind] = value
            else:
                aggregate.identifiers[self.key] = self.key
            if self.basis == "demographics":
                # The entry recorded next is the record that brought this identifier.
                aggregate._identity_state("pending_demographic_keys", list).append(self.key)

    def unlink_identifier(self, key: str, by: str, reason: str) -> list[ChronologyEntry]:
        """Remove a wrong link; entries that arrived through it are withdrawn and returned.

        That includes the record whose demographics linked the identifier in the first
        place, and settles any doubt about the link.
        """
        brought = set(self.demographic_links().get(key, ()))
        withdrawn = [e for e in self.entries if e.resolved_via == key or e.event_id in brought]
        self._identifier_unlinked(key=key, by=by, reason=reason)
        for entry in withdrawn:
            self._entry_withdrawn(event_id=entry.event_id, reason=f"identifier unlinked: {reason}")
        return withdrawn

    @event("IdentifierUnlinked")
    def _identifier_unlinked(self, key: str, by: str, reason: str) -> None:
        kind, _, value = key.partition("/")
        slot = kind if kind in ("nhs", "upn") else key
        if self.identifiers.get(slot) in (value, key):
            del self.identifiers[slot]
        self.demographic_links().pop(key, None)
        doubts = self.identity_doubts()
        for doubt in doubts:
            doubt["links"].pop(key, None)
        doubts[:] = [doubt for doubt in doubts if doubt["links"]]

    # Links made on demographics alone, and doubts about them ---------------------------------

    def _identity_state(self, name: str, kind: type[Any]) -> Any:
        """State added after children were first stored: absent from older snapshots."""
        return self.__dict__.setdefault(name, kind())

    def demographic_links(self) -> dict[str, list[str]]:
        """Identifier (or ``""`` for a record without one) -> ids of the entries it brought."""
        links: dict[str, list[str]] = self._identity_state("demographic_link_entries", dict)
        return links

    def identity_doubts(self) -> list[dict[str, Any]]:
        """Open doubts: links made on demographics alone, since found to be uncertain."""
        doubts: list[dict[str, Any]] = self._identity_state("open_identity_doubts", list)
        return doubts

    def doubt_demographic_links(self, born_with: UUID, reason: str) -> bool:
        """Put this child's links made on demographics alone to a person; True if any were."""
        doubted: set[str] = self._identity_state("doubted_links", set)
        links = {
            key: entries
            for key, entries in self.demographic_links().items()
            if key not in doubted and key in self._still_linked()
        }
        if not links:
            return False
        self._identity_doubted(born_with=str(born_with), links=links, reason=reason)
        return True

    def _still_linked(self) -> set[str]:
        return {"", *self.identifier_keys()}

    @event("IdentityDoubted")
    def _identity_doubted(self, born_with: str, links: dict[str, list[str]], reason: str) -> None:
        copied = {key: list(entries) for key, entries in links.items()}
        self._identity_state("doubted_links", set).update(copied)
        self.identity_doubts().append({"born_with": born_with, "links": copied, "reason": reason})

    def settle_identity_doubts(self, by: str, reason: str) -> bool:
        """A person has checked the doubted links (kept, or unlinked one by one)."""
        if not self.identity_doubts():
            return False
        self._identity_doubts_settled(by=by, reason=reason)
        return True

    @event("IdentityDoubtsSettled")
    def _identity_doubts_settled(self, by: str, reason: str) -> None:
        self.identity_doubts().clear()

    def has_identifier(self, key: str) -> bool:
        return self._has_key(key)

    def _has_key(self, key: str) -> bool:
        kind, _, value = key.partition("/")
        if kind in ("nhs", "upn"):
            return self.identifiers.get(kind) == value
        return key in self.identifiers

    def identifier_keys(self) -> list[str]:
        return [
            f"{slot}/{value}" if slot in ("nhs", "upn") else slot
            for slot, value in self.identifiers.items()
        ]

    def update_details(self, details: dict[str, str | None]) -> bool:
        """Fill in missing details and follow moves; True if anything changed.

        Names and date of birth are kept as first recorded: another agency's spelling
        (possibly a misspelling) never overwrites them. Address details follow the latest
        record, since children move.
        """
        changes = {
            name: value
            for name, value in details.items()
            if value
            and self.details.get(name) != value
            and (name in MOVABLE_DETAILS or not self.details.get(name))
        }
        if changes:
            self.trigger_event(self.DetailsUpdated, changes=changes)
        return bool(changes)

    class DetailsUpdated(Aggregate.Event):
        """Missing details filled in, or an address that moved."""

        changes: dict[str, str]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            aggregate.details.update(self.changes)

    # Chronology -----------------------------------------------------------------------------

    def has_seen(self, event_id: str) -> bool:
        return event_id in self.event_ids

    def record_entry(self, entry: ChronologyEntry) -> bool:
        """Append an entry once; a second delivery of the same agency event changes nothing."""
        if entry.event_id in self.event_ids:
            return False
        self.trigger_event(self.EntryRecorded, entry=entry.to_dict())
        return True

    class EntryRecorded(Aggregate.Event):
        """An entry joined the chronology.

        Declared as a class rather than with ``@event``: it is the event ingestion
        records most, and the decorator's argument handling cost about a fifth of
        recording it. The stored topic (``Child.EntryRecorded``) and state are unchanged.
        """

        entry: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            entry = ChronologyEntry.from_dict(self.entry)
            aggregate.event_ids.add(self.entry["event_id"])
            aggregate._note_how_linked(self.entry)
            # Most children have no withdrawals: read without creating the attribute.
            stored = aggregate.__dict__.get("withdrawals", ())
            withdrawal = first_covering(stored, entry) if stored else None
            if withdrawal is not None:  # the cancellation or correction reached the hub first
                aggregate.withdrawn_entries.append(withdrawal.mark(entry))
                return
            aggregate.entries.append(entry)

    def record_update(self, entry: ChronologyEntry, update: Update) -> bool:
        """Record an update only if it changes what the chronology says (``Update``)."""
        if entry.event_id in self.event_ids or not update.changes(entry, self.entries):
            return False
        return self.record_entry(entry)

    def record_correction(self, entry: ChronologyEntry, correction: Withdrawal) -> bool:
        """Record ``entry`` superseding earlier ones of its kind (``Withdrawal.correction``).

        Nothing happens if it was recorded already or repeats an active entry.
        """
        if entry.event_id in self.event_ids or correction.repeats(entry, self.entries):
            return False
        self.trigger_event(self.EntriesWithdrawn, withdrawal=correction.to_dict())
        self.trigger_event(self.EntryRecorded, entry=entry.to_dict())
        return True

    def withdraw(self, withdrawal: Withdrawal) -> list[ChronologyEntry]:
        """An agency withdrew its entries: they are kept, marked, out of the active chronology.

        Returns the entries withdrawn now (none when the withdrawal was already recorded).
        """
        if withdrawal.event_id in self.event_ids:
            return []
        covered = [e for e in self.entries if withdrawal.covers(e)]
        self.trigger_event(self.EntriesWithdrawn, withdrawal=withdrawal.to_dict())
        return covered

    class EntriesWithdrawn(Aggregate.Event):
        """The source withdrew entries (a cancellation): each is kept, marked with why."""

        withdrawal: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            withdrawal = Withdrawal.from_dict(self.withdrawal)
            aggregate.event_ids.add(withdrawal.event_id)
            aggregate.__dict__.setdefault("withdrawals", []).append(dict(self.withdrawal))
            kept = []
            for entry in aggregate.entries:
                if withdrawal.covers(entry):
                    aggregate.withdrawn_entries.append(withdrawal.mark(entry))
                else:
                    kept.append(entry)
            aggregate.entries = kept
            withdrawal.remark_earlier(aggregate.withdrawn_entries)

    @property
    def withdrawn_entries(self) -> list[ChronologyEntry]:
        """Entries their source withdrew, marked (a snapshot from before they existed has none)."""
        found: list[ChronologyEntry] = self.__dict__.setdefault("_withdrawn_entries", [])
        return found

    def _note_how_linked(self, entry: dict[str, Any]) -> None:
        pending: list[str] = self._identity_state("pending_demographic_keys", list)
        if entry.get("resolved_via") == "demographics":
            links = self.demographic_links()
            for key in pending or [""]:
                links.setdefault(key, []).append(entry["event_id"])
        pending.clear()

    @event("EntryWithdrawn")
    def _entry_withdrawn(self, event_id: str, reason: str) -> None:
        """An entry leaves the active chronology; it is kept, marked withdrawn with why.

        While this applies, ``modified_on`` is the time of the unlink that withdrew it (the
        events just before, recorded together).
        """
        for entry in self.entries:
            if entry.event_id == event_id:
                marked = withdrawn_copy(entry, reason, self.modified_on, by="identity decision")
                self.withdrawn_entries.append(marked)
        self.entries = [e for e in self.entries if e.event_id != event_id]
        self.event_ids.discard(event_id)

    def chronology(self, *, with_withdrawn: bool = False) -> list[ChronologyEntry]:
        """Entries in the order things happened (then the order they were recorded).

        ``with_withdrawn`` adds the entries their source withdrew, each marked so.
        """
        entries = self.entries + self.withdrawn_entries if with_withdrawn else self.entries
        return sorted(entries, key=lambda e: (e.occurred_at, e.recorded_at, e.event_id))

    # Plans and status (C2, C4) --------------------------------------------------------------

    @event("PlanStarted")
    def start_plan(
        self, category: str | None, start_date: str, unborn: bool, authority: dict[str, str]
    ) -> None:
        self.plan = {"category": category, "start_date": start_date, "unborn": unborn}
        self.responsible_authority = authority

    @event("PlanReviewed")
    def review_plan(self, category: str | None, review_date: str) -> None:
        if self.plan is not None:
            self.plan = {
                **self.plan,
                "last_review": review_date,
                "category": category or self.plan["category"],
            }

    @event("PlanEnded")
    def end_plan(self, end_date: str) -> None:
        if self.plan is not None:
            self.plan_history.append({**self.plan, "end_date": end_date})
        self.plan = None

    @event("LookedAfterChanged")
    def set_looked_after(
        self, looked_after: bool, effective_date: str, authority: dict[str, str]
    ) -> None:
        self.looked_after = looked_after
        self.responsible_authority = authority

    @property
    def on_plan(self) -> bool:
        return self.plan is not None

    @property
    def dual_plans(self) -> bool:
        """Looked after and on a CP plan at the same time (requirement C4)."""
        return self.on_plan and self.looked_after

    # Involved professionals and household (C2, P3) --------------------------------------------

    def involve(self, role: str, contact: dict[str, str | None]) -> None:
        """Record who fills a role (lead social worker, school, GP practice) when it changes."""
        if self.professionals.get(role) != contact:
            self.trigger_event(self.ProfessionalRecorded, role=role, contact=contact)

    class ProfessionalRecorded(Aggregate.Event):
        """Who now fills a role for this child (social worker, school, GP)."""

        role: str
        contact: dict[str, str | None]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            aggregate.professionals[self.role] = dict(self.contact)

    def join_household(self, household_reference: str) -> None:
        if household_reference not in self.households:
            self.trigger_event(self.HouseholdJoined, household_reference=household_reference)

    class HouseholdJoined(Aggregate.Event):
        """The child lives at this dwelling."""

        household_reference: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            aggregate.households.append(self.household_reference)

    def link_sibling(self, sibling_id: UUID) -> None:
        if str(sibling_id) not in self.siblings and sibling_id != self.id:
            self.trigger_event(self.SiblingLinked, sibling_id=str(sibling_id))

    class SiblingLinked(Aggregate.Event):
        """Another child of the same household."""

        sibling_id: str

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            aggregate.siblings.add(self.sibling_id)

    # Schools (P4, S2): roll records and register marks, per school ----------------------------

    @property
    def enrolments(self) -> dict[str, dict[str, str | None]]:
        """What the rolls and registers say, by school URN (``hub.domain.enrolment``).

        Read through ``__dict__``: a snapshot taken before schools were recorded has none.
        """
        held: dict[str, dict[str, str | None]] = self.__dict__.setdefault("_enrolments", {})
        return held

    def record_roll(
        self, urn: str, name: str, entry_date: str, leaving_date: str | None, status: str | None
    ) -> bool:
        """A school's roll lists the child (and, with a leaving date, no longer from then)."""
        if not roll_record_supersedes(self.enrolments.get(urn), entry_date, leaving_date):
            return False
        self.trigger_event(
            self.RollRecorded,
            urn=urn,
            name=name,
            entry_date=entry_date,
            leaving_date=leaving_date,
            status=status,
        )
        return True

    class RollRecorded(Aggregate.Event):
        """A school's roll: the child's entry date, leaving date and enrolment status there."""

        urn: str
        name: str
        entry_date: str
        leaving_date: str | None
        status: str | None

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            held = aggregate.enrolments.setdefault(self.urn, {})
            held.update(
                name=self.name,
                entry_date=self.entry_date,
                leaving_date=self.leaving_date,
                status=self.status,
            )

    def note_attendance(self, urn: str, name: str, day: str) -> bool:
        """A register marked the child on ``day`` (present or absent): on the roll that day."""
        held = self.enrolments.get(urn)
        widened = widened_sighting(held, day)
        if widened is None:
            return False
        self.trigger_event(
            self.AttendanceNoted,
            urn=urn,
            name=name,
            seen_from=widened[0],
            seen_to=widened[1],
            earlier=widened[0] == day,
        )
        return True

    class AttendanceNoted(Aggregate.Event):
        """Register marks put the child on a school's roll from ``seen_from`` to ``seen_to``.

        ``earlier``: the school is known from an earlier day than before (or for the
        first time), which can make it the school of something that happened then.
        """

        urn: str
        name: str
        seen_from: str
        seen_to: str
        earlier: bool

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Child)
            held = aggregate.enrolments.setdefault(self.urn, {})
            held.update(seen_from=self.seen_from, seen_to=self.seen_to)
            held.setdefault("name", self.name)

    def schools_on_roll(self, first: date, last: date | None = None) -> list[str]:
        """URNs of the schools whose roll the child is on at any day from ``first`` to ``last``.

        A child recorded before rolls and registers were kept per school has only the
        school of its latest absence mark (``professionals["school"]``): that one.
        """
        if not self.enrolments:
            legacy = (self.professionals.get("school") or {}).get("urn")
            return [legacy] if legacy else []
        return schools_on_roll(self.enrolments, first, last or first)

    @property
    def current_school(self) -> str | None:
        """URN of the school the child most recently joined and has not left (or None)."""
        if not self.enrolments:
            return (self.professionals.get("school") or {}).get("urn") or None
        return latest_school(self.enrolments)
