"""The reports by name: each family's tables under one head of completeness.

``completeness`` lists every source; ``referrals``, ``alerts``, ``plans`` and ``identity``
are the families; ``all`` is every table. Every report carries the completeness of its
period, so none can be shown without it (G3).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from hub.calendar.school_day import is_england_bank_holiday
from hub.mi.alert_figures import alert_tables
from hub.mi.completeness import completeness, completeness_table
from hub.mi.identity import identity_table
from hub.mi.period import Period
from hub.mi.plans import plans_table
from hub.mi.reference import MiReference
from hub.mi.referrals import GROUPINGS, referrals_table
from hub.mi.report import Report, Table
from hub.mi.sources import Sources

TITLES = {
    "completeness": "Completeness of the agencies' data",
    "referrals": "Contacts, referrals and re-referrals",
    "alerts": "Alerts: raised, acknowledged, overdue, escalated, unrouted",
    "plans": "Children on plans and looked after",
    "identity": "Identity: records put to a person",
    "all": "Management information",
}
REPORTS = tuple(TITLES)


def is_working_day(day: date) -> bool:
    """Monday to Friday, not a bank holiday in England."""
    return day.weekday() < 5 and not is_england_bank_holiday(day)


def build_report(
    name: str,
    sources: Sources,
    reference: MiReference,
    period: Period,
    by: str,
    is_school_day: Callable[[date], bool],
    now: datetime,
) -> Report:
    """The report ``name`` (one of REPORTS) for ``period``, grouped ``by`` where it groups."""
    if name not in TITLES:
        raise ValueError(f"no report {name!r}; reports: {', '.join(REPORTS)}")
    if by not in GROUPINGS:
        raise ValueError(f"cannot group by {by!r}; by: {', '.join(GROUPINGS)}")
    judged = completeness(sources, reference, period, is_school_day, now)
    families: dict[str, Callable[[], tuple[Table, ...]]] = {
        "completeness": lambda: (completeness_table(judged),),
        "referrals": lambda: (referrals_table(sources, reference, period, by),),
        "alerts": lambda: alert_tables(sources, period),
        "plans": lambda: (plans_table(sources, reference, period, by),),
        "identity": lambda: (identity_table(sources, reference, period, is_working_day),),
    }
    wanted = list(families) if name == "all" else [name]
    tables = tuple(table for family in wanted for table in families[family]())
    return Report(
        name=name,
        title=TITLES[name],
        period=period,
        completeness=judged,
        tables=tables,
        reference_version=reference.version,
    )
