"""Sensitivity labels in native exports: parsed, and checked against the labels the policy defines.

A label the sharing policy does not define (misspelt, or new at an agency) is not
dropped: the record is published with it, the hub's policy withholds every detail
any label may protect until the label is defined (it fails closed), and the adapter
reports a notice naming the line, the field and the label.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from adapters.records import FieldError
from hub.native_formats import LABEL_SEPARATOR
from hub.policy.loader import load_policy

FIELD = "sensitivity_labels"


@lru_cache(maxsize=1)
def known_labels() -> frozenset[str]:
    """The labels the shipped sharing policy defines.

    Adapters run at the agencies, apart from the hub's settings, so they check
    against the policy shipped with them; a deployment whose ``HUB_POLICY_FILE``
    defines other labels gets notices the hub itself would not need (the hub
    always judges labels by its own policy and fails closed on any it lacks).
    """
    return frozenset(load_policy().labels)


def from_csv(value: str | None) -> list[str]:
    """Labels from a CSV cell: separated by ``;``, surrounding spaces ignored, empty allowed."""
    if value is None:
        return []
    return [part.strip() for part in value.split(LABEL_SEPARATOR) if part.strip()]


def from_json(value: object, field_name: str = FIELD) -> list[str]:
    """Labels from a JSON value: absent, null or a list of strings."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise FieldError(field_name, "must be a list of strings")
    return [item.strip() for item in value if item.strip()]


def unknown(labels: Iterable[str], known: frozenset[str] | None = None) -> list[str]:
    """The labels among ``labels`` the policy does not define, in their order."""
    defined = known_labels() if known is None else known
    return [label for label in labels if label not in defined]


def unknown_reason(label: str, known: frozenset[str] | None = None) -> str:
    """What a notice says about an undefined label."""
    defined = known_labels() if known is None else known
    return (
        f"label {label!r} is not defined by the sharing policy (known: "
        f"{', '.join(sorted(defined))}); published with it, and the hub withholds every "
        "labelled detail from every role until the policy defines it"
    )
