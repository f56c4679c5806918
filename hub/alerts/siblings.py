"""A child's siblings as the alert rules see them (siblings the hub does not hold are skipped)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from hub.application.hub_app import HubApplication
from hub.domain.child import Child
from hub.domain.errors import ChildNotFoundError


def siblings_loader(app: HubApplication) -> Callable[[Child], list[Child]]:
    """A function giving a child's siblings, in id order, that ``app`` holds."""

    def siblings(child: Child) -> list[Child]:
        found = []
        for sibling_id in sorted(child.siblings):
            try:
                found.append(app.get_child(UUID(sibling_id)))
            except ChildNotFoundError:
                continue
        return found

    return siblings
