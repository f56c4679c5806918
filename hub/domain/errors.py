"""The hub's typed errors: rule checks raise these, never ``assert``."""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose."""


class ChildNotFoundError(HubError):
    """No child with that id or identifier is held."""


class CaseNotFoundError(HubError):
    """No identity resolution case with that id."""


class CaseAlreadyResolvedError(HubError):
    """The identity resolution case was already closed."""


class IdentifierNotLinkedError(HubError):
    """The identifier is not linked to that child."""
