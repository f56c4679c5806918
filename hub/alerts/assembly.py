"""The alert raiser put together from its parts, and the alert side held open as one.

``assemble_raiser`` gives the raiser its context (organisations, schools,
siblings, calendar, routing fallbacks), the policy and the rules; the
composition root (``hub.bootstrap``) and tests with their own stores,
directories and clocks use it alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hub.access.organisations import OrganisationDirectory
from hub.alerts.evaluate import AlertContext
from hub.alerts.postcode_areas import PostcodeAreas
from hub.alerts.raiser import DEFAULT_MAX_AGE, AlertRaiser
from hub.alerts.rules import AlertRules
from hub.alerts.rules_loader import load_alert_rules
from hub.alerts.siblings import siblings_loader
from hub.alerts.store import AlertStore
from hub.application.hub_app import HubApplication
from hub.audit.chain import AuditLog
from hub.calendar.school_day import SchoolCalendar
from hub.policy.loader import load_policy
from hub.policy.model import Policy

Clock = Callable[[], datetime]


@dataclass
class AlertParts:
    """The alert side: the application it follows, its store (outbox), audit log and raiser."""

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


def assemble_raiser(
    app: HubApplication,
    store: AlertStore,
    audit: AuditLog,
    directory: OrganisationDirectory,
    calendar: SchoolCalendar,
    *,
    policy: Policy | None = None,
    rules: AlertRules | None = None,
    default_authority: str | None = None,
    postcode_areas: PostcodeAreas | None = None,
    operator_email: str | None = None,
    clock: Clock = lambda: datetime.now(UTC),
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> AlertRaiser:
    """The raiser over these parts (default: the shipped policy and rules)."""
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
        policy or load_policy(),
        rules or load_alert_rules(),
        context,
        directory,
        clock=clock,
        max_age=max_age,
    )
