"""Forms as posted: read with limits, checked field by field, errors in GOV.UK's pattern.

Nothing is done with a form that has an error: the page is shown again with
an error summary linking to each field and the message beside it. The body
of a post is read only up to ``MAX_BODY`` bytes, urlencoded only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs

from starlette.requests import Request

from hub.access.callers import CallRefused
from hub.domain.identifiers import nhs_number_is_valid, normalise_nhs_number

MAX_BODY = 16 * 1024
MAX_FIELDS = 20
NAME_MAX = 35
NOTE_MAX = 1000
_NAME = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")
_POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


@dataclass
class FormErrors:
    """Field name -> message, in the order the fields appear on the page."""

    messages: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.messages.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def summary(self, anchors: dict[str, str] | None = None) -> list[dict[str, str]]:
        """The GOV.UK error summary's list: each message linking to its field."""
        anchors = anchors or {}
        return [
            {"text": message, "href": f"#{anchors.get(name, name)}"}
            for name, message in self.messages.items()
        ]

    def get(self, name: str) -> dict[str, str] | None:
        message = self.messages.get(name)
        return {"text": message} if message else None


async def read_form(request: Request) -> dict[str, str]:
    """The posted fields (first value of each); ``CallRefused`` for a body that is not a form."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise CallRefused("INVALID_ARGUMENT", "expected a form (application/x-www-form-urlencoded)")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise CallRefused("RESOURCE_EXHAUSTED", f"a form is at most {MAX_BODY} bytes")
    try:
        parsed = parse_qs(
            body.decode("utf-8"),
            keep_blank_values=True,
            max_num_fields=MAX_FIELDS,
            strict_parsing=False,
        )
    except (UnicodeDecodeError, ValueError):
        raise CallRefused("INVALID_ARGUMENT", "the form could not be read") from None
    return {name: values[0] for name, values in parsed.items()}


def check_nhs_number(value: str, errors: FormErrors, name: str = "nhs_number") -> str:
    """The NHS number without spaces, or '' with an error added."""
    compact = normalise_nhs_number(value.strip())
    if not compact:
        errors.add(name, "Enter the child's NHS number")
    elif len(compact) != 10 or not compact.isdigit():
        errors.add(name, "NHS number must be 10 digits, like 943 476 5919")
    elif not nhs_number_is_valid(compact):
        errors.add(name, "Enter a valid NHS number: this one's check digit is wrong")
    else:
        return compact
    return ""


def check_name(value: str, errors: FormErrors, name: str, label: str) -> str:
    text = " ".join(value.split())
    if not text:
        errors.add(name, f"Enter the child's {label}")
    elif len(text) > NAME_MAX:
        errors.add(name, f"The child's {label} must be {NAME_MAX} characters or fewer")
    elif not _NAME.match(text):
        errors.add(
            name, f"The child's {label} must only include letters, spaces, hyphens and apostrophes"
        )
    else:
        return text
    return ""


def check_date_of_birth(
    day: str, month: str, year: str, today: date, errors: FormErrors, name: str = "dob"
) -> str:
    """An ISO date of birth, or '' with an error added (missing, impossible or in the future)."""
    parts = {"day": day.strip(), "month": month.strip(), "year": year.strip()}
    missing = [part for part, value in parts.items() if not value]
    if len(missing) == 3:
        errors.add(name, "Enter the child's date of birth")
        return ""
    if missing:
        errors.add(name, f"Date of birth must include a {' and '.join(missing)}")
        return ""
    if not all(value.isdigit() and len(value) <= 4 for value in parts.values()):
        errors.add(name, "Date of birth must be a real date, like 27 3 2015")
        return ""
    try:
        born = date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        errors.add(name, "Date of birth must be a real date, like 27 3 2015")
        return ""
    if born > today:
        errors.add(name, "Date of birth must be today or in the past")
    elif born.year < today.year - 25:
        errors.add(name, "Date of birth must be within the last 25 years: the hub holds children")
    else:
        return born.isoformat()
    return ""


def check_postcode(value: str, errors: FormErrors, name: str = "postcode") -> str:
    compact = " ".join(value.upper().split())
    if not compact:
        errors.add(name, "Enter the child's postcode")
    elif len(compact) > 8 or not _POSTCODE.match(compact):
        errors.add(name, "Enter a real postcode, like LS1 4AB")
    else:
        return compact
    return ""


def check_choice(
    value: str, allowed: tuple[str, ...], errors: FormErrors, name: str, message: str
) -> str:
    if value not in allowed:
        errors.add(name, message)
        return ""
    return value


def check_text(value: str, errors: FormErrors, name: str, label: str, *, required: bool) -> str:
    text = value.strip()
    if required and not text:
        errors.add(name, f"Enter {label}")
    elif len(text) > NOTE_MAX:
        errors.add(name, f"{label.capitalize()} must be {NOTE_MAX} characters or fewer")
    else:
        return text
    return ""
