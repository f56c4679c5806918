"""Reference files: the schools (with their designated safeguarding leads) and the A&E sites."""

from __future__ import annotations

import csv
import io

from hub.generator.model import School, Site


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
