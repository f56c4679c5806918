"""Operation Encompass (P4) for pupils the hub knows from school rolls and full registers.

Hand-made native records (a pupil-on-roll CSV, an attendance register with only
present marks, a police JSON notification) go through the real adapters, the
real broker and the hub worker; the raiser applies the shipped rules and policy.
A high-risk Friday-night notification at one home names three children with no
absence at all: one known from a school's roll, one from a register's present
marks, and one who left a school the week before and joined another. Each
child's school is told before Monday's school day; the former school is not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.domain.identifiers import _UPN_CHECK_LETTERS
from hub.native_formats import SCHOOL_ROLL_COLUMNS
from tests.fixtures import native
from tests.fixtures.lookup_world import Person, nhs_number
from tests.integration.test_alert_routing import Hub, _hub, _police

P4 = "p4-domestic-abuse-to-school"
UPRN = "100012399901"
POSTCODE = "LS7 2AB"
ROLL_SCHOOL, REGISTER_SCHOOL, FORMER_SCHOOL, NEW_SCHOOL = "110001", "110002", "110003", "110004"
SCHOOL_NAMES = {
    ROLL_SCHOOL: "Roll Lane Primary",
    REGISTER_SCHOOL: "Register Road Academy",
    FORMER_SCHOOL: "Former Fields Primary",
    NEW_SCHOOL: "New Street Primary",
}
# The police know their NHS numbers; the schools' records do not carry them.
LILY = Person(
    nhs_number("943479100"), "Lily", "Ward", "2016-02-11", POSTCODE
)  # on a roll, never in a register
OSCAR = Person(
    nhs_number("943479200"), "Oscar", "Ward", "2012-06-30", POSTCODE
)  # present every session
ZARA = Person(
    nhs_number("943479300"), "Zara", "Ward", "2018-09-05", POSTCODE
)  # left one school, joined another
FRIDAY_NIGHT = "2026-11-20T22:40:00+00:00"
MONDAY_SCHOOL_DAY = "2026-11-23T08:45:00+00:00"


def _upn(serial: int) -> str:
    """A valid unique pupil number: the DfE check letter, then 12 digits."""
    digits = f"38321{serial:07d}"
    total = sum(int(d) * w for d, w in zip(digits, range(2, 14), strict=True))
    return _UPN_CHECK_LETTERS[total % 23] + digits


UPNS = {LILY: _upn(1), OSCAR: _upn(2), ZARA: _upn(3)}


def _roll_row(person: Person, urn: str, entry: str, leaving: str = "", status: str = "C") -> str:
    return ",".join(
        [
            urn,
            SCHOOL_NAMES[urn],
            UPNS[person],
            "",
            f"{urn}-{person.given}",
            person.family,
            person.given,
            person.dob,
            person.postcode,
            UPRN,
            entry,
            leaving,
            status,
            "2026-11-20T17:00:00+00:00",
        ]
    )


def _present(person: Person, urn: str, day: str, session: str) -> str:
    return ",".join(
        [
            urn,
            SCHOOL_NAMES[urn],
            UPNS[person],
            f"{urn}-{person.given}",
            person.family,
            person.given,
            person.dob,
            person.postcode,
            UPRN,
            day,
            session,
            "/",
            "",
            f"{day}T09:05:00+00:00",
        ]
    )


@pytest.fixture
def hub(kafka_bootstrap: str, tmp_path: Path) -> Iterator[Hub]:
    made = _hub(kafka_bootstrap, tmp_path)
    made.app.load_schools(
        [
            {
                "urn": urn,
                "name": name,
                "dsl_name": "Designated Lead",
                "dsl_email": f"dsl@{urn}.example.org.uk",
                "la_code": "383",
            }
            for urn, name in SCHOOL_NAMES.items()
        ]
    )
    yield made
    made.store.close()
    made.audit.close()
    made.app.close()


def _publish_schools(hub: Hub) -> None:
    roll = [
        _roll_row(LILY, ROLL_SCHOOL, "2021-09-06"),
        _roll_row(ZARA, FORMER_SCHOOL, "2022-09-05", leaving="2026-11-13", status="O"),
        _roll_row(ZARA, NEW_SCHOOL, "2026-11-16"),
    ]
    register = [
        _present(OSCAR, REGISTER_SCHOOL, day, session)
        for day in ("2026-11-19", "2026-11-20")
        for session in ("AM", "PM")
    ]
    hub.publish(
        ("school-roll", hub.write("roll.csv", "\n".join([",".join(SCHOOL_ROLL_COLUMNS), *roll]))),
        ("school", hub.write("register.csv", "\n".join([native.SCHOOL_HEADER, *register]))),
    )


def _told(hub: Hub) -> dict[str, Any]:
    """School URN -> the P4 alert to its DSL (standing, not superseded)."""
    return {
        alert.recipient.organisation: alert
        for alert in hub.store.select()
        if alert.rule_id == P4 and alert.superseded_by is None
    }


def _notify(hub: Hub) -> None:
    notification = _police(
        "WYP-20261120-000777", FRIDAY_NIGHT, "high", [LILY, OSCAR, ZARA], UPRN, POSTCODE
    )
    hub.publish(hub.police(notification))


def test_each_childs_school_is_told_of_a_friday_night_incident_and_the_former_school_not(
    hub: Hub,
) -> None:
    """Rolls and full registers first, then the notification: three schools told, not the fourth."""
    _publish_schools(hub)
    hub.ingest_and_raise()
    _notify(hub)
    hub.ingest_and_raise()
    told = _told(hub)
    assert {ROLL_SCHOOL, REGISTER_SCHOOL, NEW_SCHOOL} == set(told)
    assert 3 == len({alert.child_id for alert in told.values()})  # one school each
    assert [] == [a.alert_id for a in hub.store.select() if a.rule_id == P4 and a.unrouted]
    for urn, alert in told.items():
        assert f"dsl@{urn}.example.org.uk" == alert.recipient.email
        assert "raised" == alert.state
        assert MONDAY_SCHOOL_DAY == alert.deliver_by


def test_schools_learned_after_the_notification_are_told_too(hub: Hub) -> None:
    """The notification first, the rolls and registers after it: the same schools are told."""
    _notify(hub)
    hub.ingest_and_raise()
    _publish_schools(hub)
    hub.ingest_and_raise()
    assert {ROLL_SCHOOL, REGISTER_SCHOOL, NEW_SCHOOL} == set(_told(hub))
