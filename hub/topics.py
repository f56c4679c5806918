"""Kafka topic names: one per agency feed, plus the hub's own topics.

``HUB_TOPIC_PREFIX`` (default empty) is prepended to every name, so several
hubs (or test runs) can share one cluster without reading each other's data.
"""

from __future__ import annotations

import os

PREFIX = os.environ.get("HUB_TOPIC_PREFIX", "")

EMERGENCY_CARE = f"{PREFIX}agency.emergency-care.attendances"
POLICE = f"{PREFIX}agency.police.domestic-abuse"
SCHOOL = f"{PREFIX}agency.school.absences"
CHILDRENS_SOCIAL_CARE = f"{PREFIX}agency.social-care.cp-plans"

AGENCY_TOPICS = (EMERGENCY_CARE, POLICE, SCHOOL, CHILDRENS_SOCIAL_CARE)

DEAD_LETTER = f"{PREFIX}hub.dead-letter"
ACCESS_TO_SERVICE = f"{PREFIX}hub.access-to-service"
ALERTS = f"{PREFIX}hub.alerts"
ALERTS_DEAD_LETTER = f"{PREFIX}hub.alerts.dead-letter"
