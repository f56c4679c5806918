"""Kafka topic names: one per agency feed, plus the hub's own topics."""

from __future__ import annotations

EMERGENCY_CARE = "agency.emergency-care.attendances"
POLICE = "agency.police.domestic-abuse"
SCHOOL = "agency.school.absences"
CHILDRENS_SOCIAL_CARE = "agency.social-care.cp-plans"

AGENCY_TOPICS = (EMERGENCY_CARE, POLICE, SCHOOL, CHILDRENS_SOCIAL_CARE)

DEAD_LETTER = "hub.dead-letter"
