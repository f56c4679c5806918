"""The generator's own truth files: the population and the households, one JSON line each."""

from __future__ import annotations

import json
from typing import Any

from synthetic.model import Child, Household


def child_line(child: Child, household: Household) -> str:
    """One ``population.jsonl`` line: the child as they really are at the start of the period."""
    record: dict[str, Any] = {
        "child_id": child.child_id,
        "nhs_number": child.nhs_number,
        "upn": child.upn,
        "given_name": child.given_name,
        "family_name": child.family_name,
        "dob": child.dob.isoformat(),
        "sex": child.sex,
        "uprn": household.address.uprn,
        "postcode": household.address.postcode,
        "household_id": child.household_id,
        "school_urn": child.school_urn,
        "on_plan": child.on_plan,
        "plan_category": child.plan_category,
        "looked_after": child.looked_after,
        "twin_of": child.twin_of,
        "sibling_ids": child.sibling_ids,
        "at_risk": child.at_risk,
        "scenarios": sorted(set(child.scenarios)),
        "moves": [
            {
                "date": move.on.isoformat(),
                "uprn": move.address.uprn,
                "postcode": move.address.postcode,
            }
            for move in household.moves
        ],
        "school_moves": [
            {"date": move.on.isoformat(), "school_urn": move.school_urn}
            for move in child.school_moves
        ],
        "status_changes": [
            {"date": day.isoformat(), "status_event": event} for day, event in child.status_changes
        ],
    }
    return json.dumps(record) + "\n"


def household_line(household: Household) -> str:
    """One ``households.jsonl`` line: the dwelling at the start, its children, and any move."""
    address = household.address
    record: dict[str, Any] = {
        "household_id": household.household_id,
        "uprn": address.uprn,
        "address": address.line1,
        "town": address.town,
        "postcode": address.postcode,
        "la_code": address.la_code,
        "gp_practice": household.gp_practice.code,
        "members": household.member_ids,
        "moves": [
            {
                "date": move.on.isoformat(),
                "uprn": move.address.uprn,
                "address": move.address.line1,
                "town": move.address.town,
                "postcode": move.address.postcode,
            }
            for move in household.moves
        ],
    }
    return json.dumps(record) + "\n"
