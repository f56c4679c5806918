"""Column layouts of the agencies' CSV exports (docs/native-formats.md).

One definition, shared by the adapters that read the exports and the
generator that writes synthetic ones, so the two cannot drift apart. Every
format may also carry ``LABELS_COLUMN`` (a record's sensitivity labels); any
other column is reported by the adapter, never ignored in silence.
"""

from __future__ import annotations

# Sensitivity labels of a record, separated by LABEL_SEPARATOR; optional in every CSV format.
LABELS_COLUMN = "sensitivity_labels"
LABEL_SEPARATOR = ";"

SCHOOL_REGISTER_COLUMNS = (
    "school_urn",
    "school_name",
    "upn",
    "local_pupil_id",
    "legal_surname",
    "legal_forename",
    "date_of_birth",
    "postcode",
    "uprn",
    "session_date",
    "session",
    "attendance_code",
    "consecutive_absences",
    "recorded_at",
)

CP_PLAN_COLUMNS = (
    "la_code",
    "la_name",
    "child_reference",
    "nhs_number",
    "upn",
    "given_name",
    "family_name",
    "date_of_birth",
    "postcode",
    "uprn",
    "status_event",
    "event_date",
    "plan_category",
    "looked_after",
    "office_hours_phone",
    "out_of_hours_phone",
    "lead_social_worker",
    "lead_social_worker_email",
    "team",
    "recorded_at",
)

# A pupil-on-roll export, modelled on the DfE school census pupil record.
SCHOOL_ROLL_COLUMNS = (
    "school_urn",
    "school_name",
    "upn",
    "former_upn",
    "local_pupil_id",
    "legal_surname",
    "legal_forename",
    "date_of_birth",
    "postcode",
    "uprn",
    "entry_date",
    "leaving_date",
    "enrolment_status",
    "recorded_at",
)
