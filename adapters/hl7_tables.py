"""The HL7 v2.5.1 tables and trigger events the A&E adapter reads, and what each means here."""

from __future__ import annotations

# Trigger event (MSH-9.2) -> (attendance event, message structure MSH-9.3 may name).
TRIGGERS = {
    "A01": ("REGISTERED", "ADT_A01"),
    "A04": ("REGISTERED", "ADT_A01"),
    "A08": ("UPDATED", "ADT_A01"),
    "A03": ("DISCHARGED", "ADT_A03"),
    "A11": ("REGISTRATION_CANCELLED", "ADT_A09"),
    "A13": ("DISCHARGE_CANCELLED", "ADT_A01"),
}

# HL7 table 0001, administrative sex.
SEX = {
    "F": "female",
    "M": "male",
    "O": "other",
    "U": "unknown",
    "A": "ambiguous",
    "N": "not applicable",
}

# HL7 table 0004, patient class: only emergency attendances are this feed's business.
EMERGENCY_CLASS = "E"

# HL7 table 0112, discharge disposition (user-defined; the suggested values), -> our status.
DISCHARGE_DISPOSITION = {
    "01": "HOME",  # discharged to home or self care
    "02": "TRANSFERRED",  # to another short-term general hospital for inpatient care
    "03": "TRANSFERRED",  # to a skilled nursing facility
    "04": "TRANSFERRED",  # to an intermediate care facility
    "05": "TRANSFERRED",  # to another type of institution, or referred elsewhere
    "06": "HOME",  # home under the care of a home health service
    "07": "SELF_DISCHARGE",  # left against medical advice or discontinued care
    "08": "HOME",  # home under the care of a home IV provider
    "09": "ADMITTED",  # admitted as an inpatient to this hospital
    "20": "DIED",
    "30": "OTHER",  # still a patient or expected to return for outpatient services
    "40": "DIED",  # at home
    "41": "DIED",  # in a medical facility
    "42": "DIED",  # place unknown
    **{str(code): "OTHER" for code in (*range(10, 20), *range(21, 30), *range(31, 40))},
}

# Our local ZSG-7: the finer disposition an emergency department records.
FINE_DISPOSITION = {
    "home": "HOME",
    "admitted": "ADMITTED",
    "transferred": "TRANSFERRED",
    "left-before-treatment": "LEFT_BEFORE_TREATMENT",
    "self-discharge": "SELF_DISCHARGE",
    "referred-to-social-care": "REFERRED_TO_SOCIAL_CARE",
}

# The table 0112 code the generator sends in PV1-36 for each finer disposition.
DISPOSITION_CODE = {
    "home": "01",
    "admitted": "09",
    "transferred": "02",
    "left-before-treatment": "07",
    "self-discharge": "07",
    "referred-to-social-care": "01",
}

# HL7 table 0062, event reason (EVN-4): why a cancellation was sent, in words.
EVENT_REASON = {
    "01": "patient request",
    "02": "physician or health practitioner order",
    "03": "census management",
    "O": "other",
    "U": "unknown",
}

SITE_TYPES = {"ED": "EMERGENCY_DEPARTMENT", "MIU": "MINOR_INJURY_UNIT", "WIC": "WALK_IN_CENTRE"}
CATEGORIES = {
    "first": "FIRST",
    "unplanned-follow-up": "UNPLANNED_FOLLOW_UP",
    "planned-follow-up": "PLANNED_FOLLOW_UP",
}
