"""The generator's world: local authorities, addresses, households, children, schools, sites."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class LocalAuthority:
    code: str
    name: str
    office_hours_phone: str
    out_of_hours_phone: str
    reference_prefix: str
    email_domain: str


@dataclass(frozen=True, slots=True)
class Town:
    index: int
    name: str
    la_code: str
    outwards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Address:
    uprn: str
    line1: str
    town: str
    postcode: str
    la_code: str


@dataclass(frozen=True, slots=True)
class GpPractice:
    code: str
    name: str


@dataclass(slots=True)
class AddressMove:
    on: date
    address: Address


@dataclass(slots=True)
class SchoolMove:
    on: date
    school_urn: str


@dataclass(slots=True)
class Household:
    household_id: str
    town: Town
    address: Address
    gp_practice: GpPractice
    member_ids: list[str] = field(default_factory=list)
    moves: list[AddressMove] = field(default_factory=list)
    template: str = ""

    def address_on(self, day: date) -> Address:
        """The household's address on ``day`` (moves take effect from their date)."""
        current = self.address
        for move in self.moves:
            if move.on <= day:
                current = move.address
        return current


@dataclass(frozen=True, slots=True)
class Quirk:
    """How one agency's system holds a hard-case child (``synthetic.hard_cases``)."""

    kind: str
    agency: str
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: date | None = None
    changed_on: date | None = None


@dataclass(slots=True)
class Child:
    child_id: str
    index: int
    given_name: str
    family_name: str
    sex: str
    dob: date
    household_id: str
    nhs_number: str | None = None
    upn: str | None = None
    school_urn: str | None = None
    twin_of: str | None = None
    sibling_ids: list[str] = field(default_factory=list)
    on_plan: bool = False
    plan_category: str | None = None
    plan_started: date | None = None
    looked_after: bool = False
    looked_after_started: date | None = None
    at_risk: bool = False
    scenarios: list[str] = field(default_factory=list)
    school_moves: list[SchoolMove] = field(default_factory=list)
    status_changes: list[tuple[date, str]] = field(default_factory=list)
    quirks: dict[str, Quirk] = field(default_factory=dict)

    def age_on(self, day: date) -> int:
        """Age in whole years on ``day``."""
        before_birthday = (day.month, day.day) < (self.dob.month, self.dob.day)
        return day.year - self.dob.year - int(before_birthday)

    def school_on(self, day: date) -> str | None:
        """The URN of the school whose roll the child is on, on ``day``."""
        current = self.school_urn
        for move in self.school_moves:
            if move.on <= day:
                current = move.school_urn
        return current


@dataclass(slots=True)
class School:
    urn: str
    name: str
    phase: str
    la_code: str
    establishment: str
    town_index: int
    dsl_name: str
    computes_consecutive: bool
    records_uprn: bool

    @property
    def dsl_email(self) -> str:
        return f"dsl@school-{self.urn}.example.org.uk"


@dataclass(frozen=True, slots=True)
class Site:
    code: str
    site_type: str
    name: str
    system: str
    town_index: int
