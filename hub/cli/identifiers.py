"""What an operator types to name a child: NHS number, UPN or hub child id."""

from __future__ import annotations

from hub.domain.identifiers import nhs_number_is_valid, normalise_nhs_number


def identifier_key(text: str) -> str:
    """``9434765919`` -> ``nhs/9434765919``; ``A123...`` -> ``upn/...``; a uuid stays as it is."""
    compact = normalise_nhs_number(text.strip())
    if nhs_number_is_valid(compact):
        return f"nhs/{compact}"
    if len(text) == 13 and text[0].isalpha() and text[1:].isdigit():
        return f"upn/{text.upper()}"
    return text.strip()
