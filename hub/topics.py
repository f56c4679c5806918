"""Kafka topic names: one per agency feed, plus the hub's own topics.

``Topics(prefix)`` puts a prefix before every name, so several hubs (or test
runs) can share one cluster without reading each other's data; the hub takes
its prefix from ``HUB_TOPIC_PREFIX`` through ``Settings.topics``. The
module-level names are the unprefixed ones (``Topics("")``).
"""

from __future__ import annotations

from dataclasses import dataclass

EMERGENCY_CARE = "agency.emergency-care.attendances"
POLICE = "agency.police.domestic-abuse"
SCHOOL = "agency.school.absences"
CHILDRENS_SOCIAL_CARE = "agency.social-care.cp-plans"

AGENCY_TOPICS = (EMERGENCY_CARE, POLICE, SCHOOL, CHILDRENS_SOCIAL_CARE)

DEAD_LETTER = "hub.dead-letter"
ACCESS_TO_SERVICE = "hub.access-to-service"
ALERTS = "hub.alerts"
ALERTS_DEAD_LETTER = "hub.alerts.dead-letter"
AUDIT_HEADS = "hub.audit.heads"

# The prefix of the module-level names (none); kept for the benchmarks, which add their own.
PREFIX = ""


@dataclass(frozen=True)
class Topics:
    """The hub's topic names under one prefix."""

    prefix: str = ""

    def named(self, name: str) -> str:
        """``name`` (an unprefixed topic name) under this prefix."""
        return f"{self.prefix}{name}"

    @property
    def emergency_care(self) -> str:
        return self.named(EMERGENCY_CARE)

    @property
    def police(self) -> str:
        return self.named(POLICE)

    @property
    def school(self) -> str:
        return self.named(SCHOOL)

    @property
    def childrens_social_care(self) -> str:
        return self.named(CHILDRENS_SOCIAL_CARE)

    @property
    def agency_topics(self) -> tuple[str, ...]:
        return tuple(self.named(name) for name in AGENCY_TOPICS)

    @property
    def dead_letter(self) -> str:
        return self.named(DEAD_LETTER)

    @property
    def access_to_service(self) -> str:
        return self.named(ACCESS_TO_SERVICE)

    @property
    def alerts(self) -> str:
        return self.named(ALERTS)

    @property
    def alerts_dead_letter(self) -> str:
        return self.named(ALERTS_DEAD_LETTER)

    @property
    def audit_heads(self) -> str:
        return self.named(AUDIT_HEADS)

    @property
    def counted(self) -> tuple[str, ...]:
        """Every topic the hub reads or writes: agency feeds, dead letters, alerts, access."""
        return (
            *self.agency_topics,
            self.dead_letter,
            self.alerts,
            self.alerts_dead_letter,
            self.access_to_service,
            self.audit_heads,
        )
