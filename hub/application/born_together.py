"""Children born together: when the hub comes to hold two, earlier guesses about either are checked.

Twins' records are the ones a demographic match confuses: "Ana" for "Anna" is a
typo that matches the other twin exactly. The hub links on demographics only on an
exact, unique match, but until it holds both twins nothing tells it one is missing.
So whenever a child is noted in a birth-date index next to a child born the same day
at the same home, with a surname and a given name alike (the same, or a letter or a
variant apart: ``hub.domain.identity.confusable_twins``):

- both are held as one of a multiple birth from then on, so a later record matching
  either on demographics alone waits for a person instead of being linked;
- every link already made to either on demographics alone is put to a person
  (``hub identity queue`` lists them; ``hub identity unlink`` or ``settle`` answers).
"""

from __future__ import annotations

from uuid import UUID

from hub.application.unit_of_work import UnitOfWork
from hub.domain.child import Child
from hub.domain.identity import confusable_twins
from hub.domain.indexes import BirthDateIndex
from hub.domain.resolution import QUEUE_ID, ResolutionQueue

DOUBT_REASON = (
    "a child born the same day at the same home, with a name a typo away, became known: "
    "a record linked to this child on demographics alone may be theirs"
)


def check_born_together(uow: UnitOfWork, bucket: BirthDateIndex, child: Child) -> int:
    """Flag ``child`` and anyone born with them; doubt their demographic links. Returns pairs."""
    found = 0
    mine = child.demographics
    for candidate in bucket.others_at_home(child.id, mine):
        if not confusable_twins(mine, candidate.demographics):
            continue
        other = uow.get(Child, candidate.child_id)
        if other is None:
            continue
        found += 1
        for twin, sibling in ((child, other), (other, child)):
            if not twin.demographics.multiple_birth:
                twin.update_details({"multiple_birth": "Y"})
                bucket.note(twin.id, twin.demographics)
            if twin.doubt_demographic_links(sibling.id, DOUBT_REASON):
                queue = uow.get(ResolutionQueue, QUEUE_ID) or uow.add(ResolutionQueue())
                queue.add_doubt(twin.id)
    return found


def settle_doubts(uow: UnitOfWork, child_id: UUID) -> None:
    """Take a child off the list of doubts once none is open."""
    child = uow.get(Child, child_id)
    queue = uow.get(ResolutionQueue, QUEUE_ID)
    if queue is not None and child is not None and not child.identity_doubts():
        queue.remove_doubt(child_id)
