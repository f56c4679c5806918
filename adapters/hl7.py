"""A minimal HL7 v2 reader: split a batch into messages and address fields as HL7 numbers them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from adapters.records import FieldError

_SEGMENT_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass
class Hl7Message:
    """One message: its segments by id, and the line where it starts in the file."""

    line: int
    segments: dict[str, list[str]] = field(default_factory=dict)

    def get(self, ref: str, component: int | None = None, repetition: int = 0) -> str:
        """Field ``"PID-7"`` or a component of it (1-based, HL7 numbering); '' when absent."""
        segment_id, _, number = ref.partition("-")
        fields = self.segments.get(segment_id)
        if fields is None:
            return ""
        index = int(number) - 1 if segment_id == "MSH" else int(number)
        if index >= len(fields):
            return ""
        repetitions = fields[index].split("~")
        if repetition >= len(repetitions):
            return ""
        value = repetitions[repetition]
        if component is None:
            return value
        components = value.split("^")
        return components[component - 1] if component <= len(components) else ""

    def repetitions(self, ref: str) -> list[str]:
        segment_id, _, number = ref.partition("-")
        fields = self.segments.get(segment_id, [])
        index = int(number) - 1 if segment_id == "MSH" else int(number)
        return fields[index].split("~") if index < len(fields) and fields[index] else []

    def require_segment(self, segment_id: str) -> None:
        if segment_id not in self.segments:
            raise FieldError(segment_id, f"{segment_id} segment is missing")


def split_messages(text: str) -> list[Hl7Message]:
    """Split a batch into messages; stray segments before any MSH form a message of their own."""
    messages: list[Hl7Message] = []
    current: Hl7Message | None = None
    for line_number, segment in enumerate(_SEGMENT_BREAK.split(text), start=1):
        if not segment.strip():
            continue
        fields = segment.split("|")
        segment_id = fields[0]
        if segment_id == "MSH" or current is None:
            current = Hl7Message(line=line_number)
            messages.append(current)
        current.segments.setdefault(segment_id, fields)
    return messages
