"""The management-information reference data: contacts, referrals and each agency's cadence.

``policies/management-information.toml`` (``HUB_MI_REFERENCE``) says which chronology
entries are contacts (one per episode: an attendance, an incident), which contacts are
referrals, how far back a referral makes the next one a re-referral, and how often each
agency and each of its sending organisations is expected to send. A file with an unknown
key or value is refused with the place named (``ReferenceError``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.alerts.rules import Conditions, EntryMatch
from hub.domain.chronology import ChronologyEntry

CADENCES = ("daily", "school-days", "weekly")
_TOP = {
    "version",
    "re_referral_days",
    "plans_open_longer_than_days",
    "identity_waiting_working_days",
    "contacts",
    "referrals",
    "cadences",
}


class MiReferenceError(ValueError):
    """The management-information reference file cannot be used; the message says where."""


@dataclass(frozen=True)
class ContactRule:
    """Entries that are a contact, one contact per value of the ``episode`` detail."""

    match: EntryMatch
    episode: str


@dataclass(frozen=True)
class Cadence:
    """How often an agency, and each of its sending organisations, is expected to send."""

    agency: str
    organisation: str


@dataclass(frozen=True)
class MiReference:
    version: str
    contacts: tuple[ContactRule, ...]
    referrals: tuple[EntryMatch, ...]
    cadences: dict[str, Cadence]
    re_referral_days: int = 365
    plans_open_longer_than_days: int = 730
    identity_waiting_working_days: int = 2

    def contact_episode(self, entry: ChronologyEntry) -> str | None:
        """The episode key (``kind-of-episode/value``) if ``entry`` is a contact, else None."""
        for rule in self.contacts:
            if rule.match.matches(entry):
                value = entry.details.get(rule.episode)
                return f"{rule.episode}/{value if value is not None else entry.event_id}"
        return None

    def is_referral(self, entry: ChronologyEntry) -> bool:
        return any(match.matches(entry) for match in self.referrals)


def load_reference(path: Path) -> MiReference:
    """Read and check the reference file (``MiReferenceError`` names what is wrong)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise MiReferenceError(f"{path}: {error}") from None
    where = str(path)
    _only(where, data, _TOP)
    contacts = tuple(
        ContactRule(_match(f"{where}: contacts[{i}]", raw, {"episode"}), _text(where, raw))
        for i, raw in enumerate(_tables(where, "contacts", data.get("contacts")))
    )
    referrals = tuple(
        _match(f"{where}: referrals[{i}]", raw, set())
        for i, raw in enumerate(_tables(where, "referrals", data.get("referrals")))
    )
    cadences = {}
    for agency, raw in (data.get("cadences") or {}).items():
        at = f"{where}: cadences.{agency}"
        if not isinstance(raw, dict):
            raise MiReferenceError(f"{at}: must be a table")
        _only(at, raw, {"agency", "organisation"})
        for name in ("agency", "organisation"):
            if raw.get(name) not in CADENCES:
                raise MiReferenceError(f"{at}.{name}: expected one of {', '.join(CADENCES)}")
        cadences[agency] = Cadence(raw["agency"], raw["organisation"])
    if not cadences:
        raise MiReferenceError(f"{where}: cadences: name at least one agency")
    return MiReference(
        version=str(data.get("version", "")),
        contacts=contacts,
        referrals=referrals,
        cadences=cadences,
        re_referral_days=_days(where, data, "re_referral_days", 365),
        plans_open_longer_than_days=_days(where, data, "plans_open_longer_than_days", 730),
        identity_waiting_working_days=_days(where, data, "identity_waiting_working_days", 2),
    )


def _only(where: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise MiReferenceError(f"{where}: unknown key(s) {', '.join(unknown)}")


def _tables(where: str, name: str, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise MiReferenceError(f"{where}: {name}: must be a non-empty list of tables")
    return raw


def _text(where: str, raw: dict[str, Any]) -> str:
    episode = raw.get("episode")
    if not isinstance(episode, str) or not episode:
        raise MiReferenceError(f"{where}: contacts: each needs an episode detail name")
    return episode


def _match(where: str, raw: dict[str, Any], extra: set[str]) -> EntryMatch:
    _only(where, raw, {"kinds", "details", "details_not"} | extra)
    kinds = raw.get("kinds")
    if not isinstance(kinds, list) or not kinds or not all(isinstance(k, str) for k in kinds):
        raise MiReferenceError(f"{where}: kinds: must be a non-empty list of patterns")
    return EntryMatch(
        tuple(kinds),
        _conditions(where, "details", raw.get("details", {})),
        _conditions(where, "details_not", raw.get("details_not", {})),
    )


def _conditions(where: str, name: str, raw: Any) -> Conditions:
    if not isinstance(raw, dict):
        raise MiReferenceError(f"{where}: {name}: must be a table of detail = value(s)")
    conditions: Conditions = {}
    for detail, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str | int | bool) for v in values):
            raise MiReferenceError(f"{where}: {name}.{detail}: a string, number or boolean")
        conditions[detail] = tuple(values)
    return conditions


def _days(where: str, data: dict[str, Any], name: str, default: int) -> int:
    value = data.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise MiReferenceError(f"{where}: {name}: expected a whole number of days, at least 1")
    return value
