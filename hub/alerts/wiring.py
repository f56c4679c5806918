"""Wire the alert side of the hub from settings: raiser, publisher, store, calendars.

Configuration (environment):
``HUB_SCHOOL_CALENDAR``  a local authority's term dates (TOML, see hub/calendar/school_day.py);
                         default: typical English terms (hub/calendar/typical_terms.py)
``HUB_SCHOOL_DAY_START`` when the school day starts (default 08:45), for Operation Encompass
``HUB_DEFAULT_AUTHORITY`` the local authority code whose front door receives concerns about
                         children with no other known authority (plan, household, school,
                         home postcode in the reference table loaded by
                         ``hub reference postcodes``)
``HUB_DUTY_OPERATOR_EMAIL`` the hub duty operator's mailbox, which receives unrouted alerts
                         (concerns nobody could be found for; ``hub alerts list --unrouted``)
``HUB_ALERT_MAX_AGE_DAYS`` entries the hub receives more than this many days after the agency
                         recorded them (baseline loads, backfills) do not alert (default 7)
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from uuid import UUID

from hub.access.organisations import OrganisationDirectory, load_directory
from hub.alerts.evaluate import AlertContext
from hub.alerts.postcode_areas import PostcodeAreas, load_areas
from hub.alerts.publisher import AlertPublisher
from hub.alerts.raiser import DEFAULT_MAX_AGE, WATERMARK, AlertRaiser
from hub.alerts.rules_loader import load_alert_rules
from hub.alerts.store import AlertStore
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.bootstrap import build_application
from hub.calendar.school_day import DEFAULT_SCHOOL_DAY_START, SchoolCalendar
from hub.config import Settings
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError
from hub.lookup.wiring import open_audit
from hub.policy.loader import load_policy


def store_path(settings: Settings) -> Path:
    return settings.data_dir / "alerts" / "alerts.sqlite"


def school_calendar(now: datetime | None = None) -> SchoolCalendar:
    start_text = os.environ.get("HUB_SCHOOL_DAY_START")
    day_start = time.fromisoformat(start_text) if start_text else DEFAULT_SCHOOL_DAY_START
    configured = os.environ.get("HUB_SCHOOL_CALENDAR")
    if configured:
        calendar = SchoolCalendar.from_toml(Path(configured).read_text(encoding="utf-8"))
        if start_text:
            calendar = SchoolCalendar(calendar.holidays, day_start, calendar.england_bank_holidays)
        return calendar
    year = (now or datetime.now(UTC)).year
    return SchoolCalendar.from_typical_terms(range(year - 2, year + 2), day_start=day_start)


def siblings_loader(app: HubApplication) -> Callable[[Child], list[Child]]:
    def siblings(child: Child) -> list[Child]:
        found = []
        for sibling_id in sorted(child.siblings):
            try:
                found.append(app.get_child(UUID(sibling_id)))
            except ChildNotFoundError:
                continue
        return found

    return siblings


@dataclass
class AlertParts:
    app: HubApplication
    store: AlertStore
    audit: AuditLog
    raiser: AlertRaiser
    directory: OrganisationDirectory

    def close(self) -> None:
        self.store.close()
        self.audit.checkpoint()
        self.audit.close()
        self.app.close()


def build_alerts(
    settings: Settings, clock_now: datetime | None = None, clock_mode: str = "wall"
) -> AlertParts:
    """The alert side of the hub.

    Deadlines are judged by ``clock_now`` when given; else by the wall clock
    (``clock_mode="wall"``, for live service: a deadline passes even when no events
    arrive) or by event time (``"event"``: the latest ``recorded_at`` the raiser has
    seen, so replaying old data escalates as it would have at the time).
    """
    app = build_application(settings)
    store = AlertStore(store_path(settings))
    audit = open_audit(settings)
    directory = load_directory(settings.data_dir)

    def clock() -> datetime:
        if clock_now is not None:
            return clock_now
        if clock_mode == "event":
            return datetime.fromtimestamp(store.position(WATERMARK), UTC)
        return datetime.now(UTC)

    raiser = assemble_raiser(
        app,
        store,
        audit,
        directory,
        school_calendar(),
        default_authority=os.environ.get("HUB_DEFAULT_AUTHORITY") or None,
        postcode_areas=load_areas(settings.data_dir),
        operator_email=os.environ.get("HUB_DUTY_OPERATOR_EMAIL") or None,
        clock=clock,
        max_age=timedelta(days=float(os.environ.get("HUB_ALERT_MAX_AGE_DAYS", "7"))),
    )
    return AlertParts(app, store, audit, raiser, directory)


def assemble_raiser(
    app: HubApplication,
    store: AlertStore,
    audit: AuditLog,
    directory: OrganisationDirectory,
    calendar: SchoolCalendar,
    *,
    default_authority: str | None = None,
    postcode_areas: PostcodeAreas | None = None,
    operator_email: str | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> AlertRaiser:
    """The raiser over these parts, with the shipped policy and rules.

    ``build_alerts`` and tests with their own stores, directories and clocks use it alike.
    """
    context = AlertContext(
        organisations=directory,
        school=app.school,
        siblings=siblings_loader(app),
        calendar=calendar,
        default_authority=default_authority,
        postcode_areas=postcode_areas,
        operator_email=operator_email,
    )
    return AlertRaiser(
        app,
        store,
        audit,
        load_policy(),
        load_alert_rules(),
        context,
        directory,
        clock=clock,
        max_age=max_age,
    )


def build_publisher(parts: AlertParts, settings: Settings) -> AlertPublisher:
    return AlertPublisher(parts.store, settings.kafka_bootstrap)
