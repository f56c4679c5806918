"""Contacts, referrals and re-referrals (G1, R2), by agency, district, team, school or site.

A contact is one episode (an A&E attendance, a police incident) with an entry the
reference data calls a contact; it is a referral when any entry of the episode matches
a referral. A referral is a re-referral when the same child had another referral in the
``re_referral_days`` before it, whenever that was (before the period too). An episode
belongs to the period its first entry happened in.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from hub.domain.chronology import instant
from hub.mi.period import Period
from hub.mi.reference import MiReference
from hub.mi.report import Table
from hub.mi.sources import MiChild, Sources

GROUPINGS = ("agency", "district", "team", "school", "site")


@dataclass
class Episode:
    child: MiChild
    agency: str
    organisation: str
    site: str
    first: datetime
    referral: bool = False
    re_referral: bool = False

    def group(self, by: str) -> str:
        if by == "agency":
            return self.agency
        if by == "site":
            return self.site
        if by == "organisation":
            return self.organisation
        value: str = getattr(self.child, by)
        return value


def episodes(sources: Sources, reference: MiReference) -> list[Episode]:
    """Every contact episode of every child, with referrals and re-referrals marked."""
    found: list[Episode] = []
    window = timedelta(days=reference.re_referral_days)
    for child in sources.children:
        own: dict[str, Episode] = {}
        for entry in child.entries:
            key = reference.contact_episode(entry)
            if key is None:
                continue
            at = instant(entry.occurred_at)
            episode = own.get(key)
            if episode is None:
                site = str(entry.details.get("site_code") or entry.source_organisation)
                episode = own[key] = Episode(
                    child, entry.agency, entry.source_organisation, site, at
                )
            episode.first = min(episode.first, at)
            episode.referral = episode.referral or reference.is_referral(entry)
        referrals = sorted((e for e in own.values() if e.referral), key=lambda e: e.first)
        for earlier, later in itertools.pairwise(referrals):
            later.re_referral = later.first - earlier.first <= window
        found.extend(own.values())
    return found


def referrals_table(sources: Sources, reference: MiReference, period: Period, by: str) -> Table:
    """Contacts, referrals and re-referrals in ``period`` grouped ``by`` one of GROUPINGS."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for episode in episodes(sources, reference):
        if not period.holds(episode.first):
            continue
        row = counts[episode.group(by)]
        row[0] += 1
        row[1] += int(episode.referral)
        row[2] += int(episode.re_referral)
    total = [sum(row[i] for row in counts.values()) for i in range(3)]
    rows = [(name, *row, _rate(row)) for name, row in sorted(counts.items())]
    rows.append(("Total", *total, _rate(total)))
    return Table(
        f"referrals-by-{by}",
        f"Contacts, referrals and re-referrals within {reference.re_referral_days} days, by {by}",
        (by, "contacts", "referrals", "re-referrals", "re-referral %"),
        tuple(rows),
        chart=2,
        counts=(1, 2, 3),
    )


def _rate(row: list[int]) -> float | None:
    return round(100 * row[2] / row[1], 1) if row[1] else None
