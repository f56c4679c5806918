"""Which schools' rolls a child is on, from roll records and register marks (P4, S2).

Two kinds of evidence, kept per school (by URN) on the ``Child`` aggregate:

- a *roll record* (the school's pupil-on-roll export): on roll from the entry date
  and, when a leaving date is given, no longer from that date;
- *register marks* (present, approved activity, absent): the pupil was on the roll
  on the days seen. Without a roll record, a school seen in the register stays the
  child's for ``REGISTER_HOLDS`` after the last day seen (the longest usual school
  holiday), or until the child is seen at another school that took them on later.

Everything here is a pure function of the evidence, so whatever order the records
arrive in, the answer is the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

Evidence = Mapping[str, str | None]

REGISTER_HOLDS = timedelta(days=42)
# Register evidence is kept to the nearest week (a full register would otherwise be an
# event per pupil per day); a school seen this much after another's last day is a move.
NOTE_EVERY = timedelta(days=7)
ONE_DAY = timedelta(days=1)


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def roll_record_supersedes(
    held: Evidence | None, entry_date: str, leaving_date: str | None
) -> bool:
    """Whether a roll record changes what is held: a later admission wins; a leaving date stays.

    For the same entry date a record with a leaving date replaces one without, and
    the earlier of two leaving dates wins, so the order records arrive in never matters.
    """
    held_entry = (held or {}).get("entry_date")
    if not held_entry:
        return True
    if entry_date != held_entry:
        return entry_date > held_entry
    held_leaving = (held or {}).get("leaving_date")
    if leaving_date is None:
        return False
    return held_leaving is None or leaving_date < held_leaving


def widened_sighting(held: Evidence | None, day: str) -> tuple[str, str] | None:
    """The register evidence's new (first seen, last seen), or None when ``day`` adds nothing.

    A day before the first seen always widens; a later day only once it is a week past
    the last one recorded.
    """
    first = (held or {}).get("seen_from")
    last = (held or {}).get("seen_to")
    if not first or not last:
        return day, day
    if day < first:
        return day, last
    if date.fromisoformat(day) - date.fromisoformat(last) >= NOTE_EVERY:
        return first, day
    return None


def _interval(
    urn: str, evidence: Evidence, every: Mapping[str, Evidence]
) -> tuple[date, date | None]:
    """First and last day (None: open) the evidence puts the child on ``urn``'s roll."""
    entry = _day(evidence.get("entry_date"))
    leaving = _day(evidence.get("leaving_date"))
    seen_from = _day(evidence.get("seen_from"))
    seen_to = _day(evidence.get("seen_to"))
    last: date | None
    if entry is not None:
        start = min(entry, seen_from) if seen_from else entry
        last = None
    elif seen_from is None or seen_to is None:
        return date.max, date.min  # no evidence of either kind: never on roll
    else:
        start, last = seen_from, seen_to + REGISTER_HOLDS
        later = [
            begun
            for other, held in every.items()
            if other != urn
            and (begun := _day(held.get("entry_date")) or _day(held.get("seen_from"))) is not None
            and begun > seen_to + NOTE_EVERY
        ]
        if later:
            last = min(last, min(later) - ONE_DAY)
    if leaving is not None:
        last = leaving - ONE_DAY if last is None else min(last, leaving - ONE_DAY)
    return start, last


def schools_on_roll(enrolments: Mapping[str, Evidence], first: date, last: date) -> list[str]:
    """URNs of the schools whose roll the child is on on any day from ``first`` to ``last``."""
    found = []
    for urn, evidence in enrolments.items():
        start, end = _interval(urn, evidence, enrolments)
        if start <= last and (end is None or end >= first):
            found.append(urn)
    return sorted(found)


def latest_school(enrolments: Mapping[str, Evidence]) -> str | None:
    """The school the child most recently joined and has not left, by its evidence's dates."""
    current = [
        ((evidence.get("entry_date") or evidence.get("seen_from") or ""), urn)
        for urn, evidence in enrolments.items()
        if not evidence.get("leaving_date")
    ]
    return max(current)[1] if current else None
