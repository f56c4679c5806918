"""HL7 v2.5.1 acknowledgements (original mode): ``MSH`` + ``MSA`` [+ ``ERR``].

``MSA-1`` is ``AA`` (accepted: the event is stored), ``AE`` (error: the message's content
is wrong and will not become an event; sending it again unchanged will not help) or
``AR`` (rejected: a message type, trigger or version we do not take, a message that
cannot be read, or the hub could not store it just now, when sending again is right).
``MSA-2`` is the message's own control id (``MSH-10``). ``MSH-9`` is
``ACK^<trigger>^ACK``; sender and receiver (``MSH-3``/``4`` and ``MSH-5``/``6``) are the
message's, swapped.

``ERR`` names what failed: ``ERR-2`` the location (``PV1^1^44``: segment, its sequence,
the field), ``ERR-3`` the code from HL7 table 0357 (100 segment missing or repeated, 101
required field missing, 102 data type or content error, 103 value not in its table,
200/201/203 unsupported message type / trigger event / version, 207 the hub's own
failure), ``ERR-4`` the severity (table 0516: ``E`` error), ``ERR-7`` the reason and
``ERR-8`` the field and the reason together, for a person reading the sender's log.

A message accepted with something the sender should know of (a sensitivity label the
sharing policy does not define: published with it, every labelled detail withheld until
the policy defines it) is answered ``AA`` with one ``ERR`` per notice, severity ``W``
(warning), code 103 and the same location and reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from adapters.hl7 import Hl7Message
from adapters.records import FieldError

ACK_VERSION = "2.5.1"
_TRIGGER = re.compile(r"[A-Z0-9]{3}")
_FIELD = re.compile(r"([A-Z][A-Z0-9]{2})-(\d+)")
_SEGMENT = re.compile(r"[A-Z][A-Z0-9]{2}")

# HL7 table 0357, message error condition codes.
CODE_TEXT = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "203": "Unsupported version id",
    "207": "Application internal error",
}
_REJECTING = frozenset({"200", "201", "203", "207"})


@dataclass(frozen=True)
class AckError:
    """What went wrong with a message: the field, the reason, the table 0357 code."""

    field: str
    reason: str
    code: str
    severity: str = "E"  # HL7 table 0516: E error, W warning (the message was accepted)

    @property
    def ack_code(self) -> str:
        """``AR`` for what we do not take or could not store; ``AE`` for wrong content."""
        return "AR" if self.code in _REJECTING else "AE"

    @classmethod
    def from_field_error(cls, error: FieldError) -> AckError:
        return cls(error.field_name, error.reason, error_code(error.field_name, error.reason))

    @classmethod
    def warning(cls, field: str, reason: str) -> AckError:
        """Something accepted but worth the sender's attention (a notice)."""
        return cls(field, reason, error_code(field, reason), "W")

    @classmethod
    def unreadable(cls, reason: str) -> AckError:
        """The frame is not one HL7 message we can read at all."""
        return cls("MSH", reason, "207")

    @classmethod
    def not_stored(cls, reason: str) -> AckError:
        """The hub could not store the event now; the sender should send it again."""
        return cls("", reason, "207")


def error_code(field: str, reason: str) -> str:
    """The HL7 table 0357 code for an adapter's rejection of ``field``."""
    if field == "MSH-9":
        return "200" if "message type" in reason else "201"
    if field == "MSH-12":
        return "203"
    if reason.endswith("segment is missing") or re.search(r"appears \d+ times", reason):
        return "100"
    if reason == "required field is missing":
        return "101"
    if "is not one of" in reason or "table" in reason or "not defined by the" in reason:
        return "103"
    if field == "(schema)":
        return "207"
    return "102"


def acknowledgement(
    message: Hl7Message | None,
    *,
    control_id: str,
    error: AckError | None = None,
    warnings: Sequence[AckError] = (),
    now: datetime | None = None,
) -> str:
    """The ACK for ``message`` (``None``: nothing of it could be read), CR after each segment.

    ``warnings`` (severity ``W``) add an ``ERR`` each after the error's, if any.
    """
    now = now or datetime.now(UTC)
    readable = message is not None and not _bad_delimiters(message)

    def original(ref: str, component: int | None = 1) -> str:
        if not readable or message is None:
            return ""
        try:
            return escape(message.get(ref, component))
        except FieldError:
            return ""

    trigger = original("MSH-9", 2)
    kind = f"ACK^{trigger}^ACK" if _TRIGGER.fullmatch(trigger) else "ACK"
    msh = [
        "MSH",
        "^~\\&",
        original("MSH-5"),
        original("MSH-6"),
        original("MSH-3"),
        original("MSH-4"),
        now.astimezone(UTC).strftime("%Y%m%d%H%M%S+0000"),
        "",
        kind,
        escape(control_id),
        original("MSH-11") or "P",
        ACK_VERSION,
    ]
    ack_code = "AA" if error is None else error.ack_code
    segments = ["|".join(msh), f"MSA|{ack_code}|{original('MSH-10', None)}"]
    if error is not None:
        segments.append(_err(error))
    segments.extend(_err(warning) for warning in warnings)
    return "\r".join(segments) + "\r"


def _err(error: AckError) -> str:
    text = CODE_TEXT.get(error.code, "")
    detail = f"{error.field}: {error.reason}" if error.field else error.reason
    fields = [
        "ERR",
        "",
        _location(error.field),
        f"{error.code}^{text}^HL70357",
        error.severity,
        "",
        "",
        escape(error.reason),
        escape(detail),
    ]
    return "|".join(fields)


def _location(field: str) -> str:
    """ERR-2 (ERL): ``PV1-44`` is ``PV1^1^44``; a segment alone is its id; else empty."""
    match = _FIELD.fullmatch(field)
    if match:
        return f"{match.group(1)}^1^{match.group(2)}"
    return field if _SEGMENT.fullmatch(field) else ""


def _bad_delimiters(message: Hl7Message) -> bool:
    problem = message.problem
    return problem is not None and problem.field_name == "MSH-2"


def escape(text: str) -> str:
    """Text made safe inside a field with the standard delimiters (backslash escapes)."""
    out = (
        text.replace("\\", "\\E\\")
        .replace("|", "\\F\\")
        .replace("^", "\\S\\")
        .replace("&", "\\T\\")
        .replace("~", "\\R\\")
    )
    return out.replace("\r", " ").replace("\n", " ")
