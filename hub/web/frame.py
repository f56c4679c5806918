"""The fixed GOV.UK parts of every page, rendered once through the library's own macros.

The header, the skip link and the service navigation are the same on every page a
role opens (the navigation differs only by the role's pages and the page open), yet
rendering them through ``govuk-frontend-jinja`` was a fifth of a page's rendering. ``Frame``
renders each once, with the same macros and parameters the templates used, and keeps
the markup; ``base.html`` places it. ``once`` does the same for a component whose
parameters are fixed in a template (a button, a tag), and ``fixed`` for a fragment
of a template (``{% call fixed("desk-search", when=not errors) %}...{% endcall %}``,
an empty form's fields): neither may ever be given a child's details or anything
typed, only text written in the template (``when`` false renders afresh: a form
shown again with what was typed), so that nothing about a child or a caller is
kept in memory between requests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

COMPONENTS = "govuk_frontend_jinja/components"
NAVIGATION_CACHE = 256  # (role's pages, page open) pairs: a handful per role
ONCE_CACHE = 256  # fixed components across the templates: a few dozen


def component(env: Environment, name: str, macro: str) -> Callable[..., Markup]:
    """A GOV.UK component's macro, e.g. ``component(env, "tag", "govukTag")``."""
    module = env.get_template(f"{COMPONENTS}/{name}/macro.html").module
    found: Callable[..., Markup] = getattr(module, macro)
    return found


class Frame:
    """Header, skip link and service navigation markup, each rendered once per variant."""

    def __init__(self, env: Environment, service_name: str) -> None:
        self.header = component(env, "generic-header", "govukGenericHeader")(
            {"url": "/", "logoText": service_name}
        )
        self.skip_link = component(env, "skip-link", "govukSkipLink")(
            {"href": "#main-content", "text": "Skip to main content"}
        )
        self._navigation = component(env, "service-navigation", "govukServiceNavigation")
        self._navigations: dict[tuple[tuple[str, str, bool], ...], Markup] = {}
        self._lock = threading.Lock()

    def navigation(self, links: Sequence[tuple[str, str, bool]]) -> Markup:
        """The service navigation for (href, text, active) links; empty markup for none."""
        key = tuple(links)
        if not key:
            return Markup("")
        with self._lock:
            found = self._navigations.get(key)
        if found is not None:
            return found
        items = [{"href": href, "text": text, "active": active} for href, text, active in key]
        made = self._navigation({"navigation": items, "ariaLabel": "Pages"})
        with self._lock:
            if len(self._navigations) < NAVIGATION_CACHE:
                self._navigations[key] = made
        return made


class Once:
    """Fixed markup rendered on first use: ``once`` (a component) and ``fixed`` (a fragment)."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, str], Markup] = {}
        self._lock = threading.Lock()

    def once(self, macro: Any, params: dict[str, Any]) -> Markup:
        """The component for these fixed parameters (a template's ``once(govukButton, ...)``)."""
        key = (str(getattr(macro, "name", macro)), json.dumps(params, sort_keys=True, default=str))
        return self._get(key, lambda: macro(params))

    def fixed(self, name: str, *, when: bool = True, caller: Callable[[], str]) -> Markup:
        """The fragment a template's call block holds, rendered once while ``when`` holds."""
        if not when:
            return Markup(caller())
        return self._get(("fragment", name), caller)

    def _get(self, key: tuple[str, str], make: Callable[[], str]) -> Markup:
        with self._lock:
            found = self._made.get(key)
        if found is not None:
            return found
        made = Markup(make())
        with self._lock:
            if len(self._made) < ONCE_CACHE:
                self._made[key] = made
        return made
