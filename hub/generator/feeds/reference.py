"""Reference files: schools (with their safeguarding leads), A&E sites, and all organisations."""

from __future__ import annotations

import csv
import io

from hub.generator.model import GpPractice, LocalAuthority, School, Site


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
    """``code,type,name``: every organisation that may hold a certificate for the hub's services."""
    rows = [(site.code, "unscheduled-care", site.name) for site in sites]
    rows += [(la.code, "local-authority", la.name) for la in authorities]
    rows += [(gp.code, "gp-practice", gp.name) for gp in practices]
    rows += [(str(school.urn), "school", school.name) for school in schools]
    rows.append((police_force, "police", f"Police force {police_force}"))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "type", "name"])
    writer.writerows(rows)
    return buffer.getvalue()
