"""Reference files: schools (with their safeguarding leads), A&E sites, and all organisations."""

from __future__ import annotations

import csv
import io

from synthetic.model import GpPractice, LocalAuthority, School, Site


def schools_csv(schools: list[School]) -> str:
    """``urn,name,dsl_name,dsl_email,la_code``, one row per school."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["urn", "name", "dsl_name", "dsl_email", "la_code"])
    for school in schools:
        writer.writerow(
            [school.urn, school.name, school.dsl_name, school.dsl_email, school.la_code]
        )
    return buffer.getvalue()


def sites_csv(sites: tuple[Site, ...]) -> str:
    """``site_code,site_type,name``, one row per unscheduled-care site."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["site_code", "site_type", "name"])
    for site in sites:
        writer.writerow([site.code, site.site_type, site.name])
    return buffer.getvalue()


def organisations_csv(
    sites: tuple[Site, ...],
    authorities: tuple[LocalAuthority, ...],
    practices: list[GpPractice],
    schools: list[School],
    police_force: str,
) -> str:
    """``code,type,name,email,escalation_email``: every organisation the hub deals with.

    ``email`` is the organisation's secure mailbox for alerts (a local authority's
    children's services front door / duty team); ``escalation_email`` is where its
    unacknowledged alerts escalate to (the duty or team manager).
    """
    rows = [
        (
            site.code,
            "unscheduled-care",
            site.name,
            f"safeguarding@{site.code.lower()}.example.nhs.uk",
            "",
        )
        for site in sites
    ]
    rows += [
        (
            la.code,
            "local-authority",
            la.name,
            f"front-door@{la.email_domain}",
            f"duty-manager@{la.email_domain}",
        )
        for la in authorities
    ]
    rows += [
        (gp.code, "gp-practice", gp.name, f"{gp.code.lower()}@gp.example.nhs.uk", "")
        for gp in practices
    ]
    rows += [
        (
            str(school.urn),
            "school",
            school.name,
            school.dsl_email,
            f"head@school-{school.urn}.example.org.uk",
        )
        for school in schools
    ]
    rows.append((police_force, "police", f"Police force {police_force}", "", ""))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "type", "name", "email", "escalation_email"])
    writer.writerows(rows)
    return buffer.getvalue()
