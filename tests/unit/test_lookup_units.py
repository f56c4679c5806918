"""Lookup building blocks without a server: call terms, organisations, certificates, desk text."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import pytest

from hub.access.callers import CallRefused, authorise
from hub.access.certs import CertifiedIdentity, create_authority, identity_of, issue_client
from hub.access.organisations import OrganisationDirectory, OrganisationFileError
from hub.lookup import desk
from hub.lookup.proto import lookup_pb2
from hub.lookup.query import normalise_postcode
from hub.policy.engine import Recipient
from hub.policy.loader import PolicyError, load_policy, parse_policy

DIRECTORY = OrganisationDirectory.parse(
    "code,type,name\nRXX01,unscheduled-care,General ED\nB1,gp-practice,Surgery\n"
    "383,local-authority,Leeds\n107001,school,Primary\n"
)
POLICY = load_policy()


@pytest.mark.parametrize(
    ("identity", "purpose", "status", "reason"),
    [
        (None, "direct-care", "UNAUTHENTICATED", "client certificate"),
        (CertifiedIdentity("u", "NOPE", "gp"), "direct-care", "PERMISSION_DENIED", "directory"),
        (
            CertifiedIdentity("u", "107001", "school-dsl"),
            "safeguarding",
            "PERMISSION_DENIED",
            "role",
        ),
        (
            CertifiedIdentity("u", "B1", "unscheduled-care-clinician"),
            "direct-care",
            "PERMISSION_DENIED",
            "only from unscheduled-care",
        ),
        (
            CertifiedIdentity("u", "RXX01", "unscheduled-care-clinician"),
            "operations",
            "PERMISSION_DENIED",
            "only for direct-care",
        ),
    ],
)
def test_refusals_name_the_reason(
    identity: CertifiedIdentity | None, purpose: str, status: str, reason: str
) -> None:
    """Each way a caller falls outside the policy's [calls] terms is refused with its reason."""
    with pytest.raises(CallRefused) as refused:
        authorise(POLICY, DIRECTORY, "child-lookup", identity, purpose)
    assert refused.value.status == status
    assert reason in refused.value.reason


def test_permitted_callers_carry_their_terms() -> None:
    """A clinician at an unscheduled-care site may look up, and their lookups notify the LA."""
    caller = authorise(
        POLICY,
        DIRECTORY,
        "child-lookup",
        CertifiedIdentity("u", "RXX01", "unscheduled-care-clinician"),
        "direct-care",
    )
    assert caller.terms.notify_access
    gp = authorise(
        POLICY, DIRECTORY, "child-lookup", CertifiedIdentity("g", "B1", "gp"), "direct-care"
    )
    assert not gp.terms.notify_access


def test_call_terms_are_checked_at_load() -> None:
    """Unknown roles, empty organisation types and stray keys in [calls] fail at start-up."""
    base = {"version": "1", "lawful_bases": {"x": "X"}}
    bad_calls = [
        {
            "c": {
                "callers": {
                    "astronaut": {"organisation_types": ["x"], "purposes": ["safeguarding"]}
                }
            }
        },
        {"c": {"callers": {"gp": {"organisation_types": [], "purposes": ["safeguarding"]}}}},
        {"c": {"callers": {"gp": {"organisation_types": ["x"], "purposes": ["fun"]}}}},
        {
            "c": {
                "callers": {
                    "gp": {"organisation_types": ["x"], "purposes": ["safeguarding"], "z": 1}
                }
            }
        },
        {"c": {"callers": {}}},
    ]
    for calls in bad_calls:
        with pytest.raises(PolicyError):
            parse_policy({**base, "calls": calls})


def test_organisation_file_errors_give_line_and_field() -> None:
    """A bad organisation row is reported with its line, field and reason."""
    with pytest.raises(OrganisationFileError, match=r"orgs:3: type: 'castle'"):
        OrganisationDirectory.parse("code,type,name\nA,school,S\nB,castle,C\n", "orgs")
    with pytest.raises(OrganisationFileError, match=r"orgs:2: name: required"):
        OrganisationDirectory.parse("code,type,name\nA,school,\n", "orgs")
    with pytest.raises(OrganisationFileError, match="appears twice"):
        OrganisationDirectory.parse("code,type,name\nA,school,S\nA,school,T\n", "orgs")
    with pytest.raises(OrganisationFileError, match="header"):
        OrganisationDirectory.parse("id,type,name\n", "orgs")


def test_client_certificate_names_user_organisation_and_role(tmp_path: Path) -> None:
    """The certificate carries CN=user, O=organisation, OU=role, and reads back the same."""
    create_authority(tmp_path)
    files = issue_client(
        tmp_path, CertifiedIdentity("desk-7", "RXX01", "unscheduled-care-clinician")
    )
    assert identity_of(files.certificate.read_bytes()) == CertifiedIdentity(
        "desk-7", "RXX01", "unscheduled-care-clinician"
    )
    assert files.key.stat().st_mode & 0o777 == 0o600
    with pytest.raises(FileExistsError):
        create_authority(tmp_path)


def test_postcodes_are_normalised_as_typed_at_a_desk() -> None:
    """Postcodes typed as ls14ab, " LS1  4AB " or LS1 4AB are the same postcode."""
    assert {normalise_postcode(p) for p in ("ls14ab", " LS1  4AB ", "LS1 4AB")} == {"LS1 4AB"}


def test_desk_text_for_a_child_on_a_plan() -> None:
    """The desk sees the plan, whom to call in and out of hours, visits, cues and the notice."""
    response = lookup_pb2.LookupResponse(
        lookup_id="L1",
        match=lookup_pb2.Match(outcome=lookup_pb2.MATCHED, method="nhs-number"),
        status_disclosed=True,
        on_plan=True,
        current_plan=lookup_pb2.Plan(category="NEGLECT", start_date="2026-10-01"),
        contact=lookup_pb2.Contact(
            responsible_authority="Leeds", office_hours_phone="0113 1", out_of_hours_phone="0113 2"
        ),
        attendances=[lookup_pb2.Attendance(date="2026-11-01", site_name="General ED")],
        cues=[lookup_pb2.RiskCue(code="c", description="Seen at 2 sites.")],
        access_notified=True,
        policy_version="p1",
    )
    text = desk.render(response)
    assert "CHILD PROTECTION PLAN, category neglect, since 2026-10-01." in text
    assert "out of hours: 0113 2" in text
    assert "2026-11-01  General ED" in text
    assert "- Seen at 2 sites." in text
    assert "has been told" in text


def test_desk_text_for_no_record() -> None:
    """No record held is never presented as "no concern"."""
    response = lookup_pb2.LookupResponse(
        lookup_id="L2",
        match=lookup_pb2.Match(outcome=lookup_pb2.NO_RECORD_HELD),
        notice="No record held for these details. This does not mean there is no concern.",
    )
    assert "does not mean there is no concern" in desk.render(response)


def test_audit_records_of_callers_and_recipients_carry_every_field() -> None:
    """The hand-written audit forms of an identity and a recipient match their full fields."""
    identity = CertifiedIdentity("ae-desk-1", "RXX01", "unscheduled-care-clinician")
    recipient = Recipient("ae-desk-1", "unscheduled-care-clinician", "RXX01", "acute-trust", "none")

    assert asdict(identity) == identity.as_record()
    assert asdict(recipient) == recipient.as_record()
