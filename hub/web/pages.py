"""What every page shares: the templates, the frame (navigation, who is signed in), refusals."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from hub.access.callers import CallRefused
from hub.access.certs import CertifiedIdentity
from hub.application.break_glass import Grant, active_grants
from hub.web.access import HTTP_STATUS, PageGuard
from hub.web.frame import Frame, Once
from hub.web.govuk_attributes import govuk_attributes
from hub.web.parts import ConsoleConfig, ConsoleParts

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class PageLink:
    call: str
    href: str
    text: str
    hint: str


# The console's pages, each the policy call that guards it.
PAGES = (
    PageLink("child-lookup", "/desk", "A&E desk", "check a child's protection status"),
    PageLink("alert-inbox", "/inbox", "Alert inbox", "alerts addressed to you; acknowledge them"),
    PageLink("child-chronology", "/chronology", "Chronology", "a child's chronology"),
    PageLink("ig-review", "/ig", "IG review", "disclosures, break glass, unrouted alerts"),
    PageLink("identity-queue", "/identity", "Identity queue", "records waiting for a person"),
    PageLink(
        "management-information",
        "/mi",
        "Management information",
        "counts, timeliness and whether every agency's data arrived",
    ),
)

_WORDS = {"ED": "emergency department", "MIU": "minor injury unit", "WIC": "walk-in centre"}


def words(code: str) -> str:
    """A code from an agency's record in plain words (NEGLECT -> neglect)."""
    return _WORDS.get(code, code.replace("_", " ").replace("-", " ").lower())


class _Environment(Environment):
    """Jinja's environment with each template's globals in a plain dict.

    Every ``{% from ... import %}`` (each GOV.UK macro imports ``govukAttributes`` on
    every call) compares the importing context's global names with the template's;
    with Jinja's default ``ChainMap`` that comparison walked both maps in Python, a
    twentieth of a page. The console sets its globals before loading any template.
    """

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def environment() -> Environment:
    env = _Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("hub.web", "templates"),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=select_autoescape(["html"]),
        # The templates are package files: never re-read. Checking each one on every
        # import of a macro was a stat() per macro, a tenth of a page's time.
        auto_reload=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["words"] = words
    env.globals["govuk_attributes"] = govuk_attributes
    fixed_parts = Once()
    env.globals["once"] = fixed_parts.once
    env.globals["fixed"] = fixed_parts.fixed
    return env


class Pages:
    """Renders pages inside the console's frame; every page is ``no-store`` (SecurityHeaders)."""

    def __init__(self, parts: ConsoleParts, config: ConsoleConfig, guard: PageGuard) -> None:
        self.parts = parts
        self.config = config
        self.guard = guard
        env = environment()
        self.templates = Jinja2Templates(env=env)  # sets its url_for global: before any load
        self.frame = Frame(env, config.service_name)

    def allowed(self, identity: CertifiedIdentity | None) -> list[PageLink]:
        """The pages the policy lets this certificate's role open."""
        if identity is None:
            return []
        return [
            page
            for page in PAGES
            if (terms := self.parts.policy.calls.get(page.call)) is not None
            and identity.role in terms.callers
        ]

    def render(
        self,
        request: Request,
        template: str,
        context: dict[str, Any],
        status_code: int = 200,
    ) -> Response:
        who = self.guard.who(request)
        organisation = self.parts.directory.get(who.organisation) if who else None
        path = request.url.path
        frame: dict[str, Any] = {
            "service_name": self.config.service_name,
            "policy_version": self.parts.policy.version,
            "who": who,
            "organisation_name": organisation.name if organisation else "",
            "csrf_token": self.guard.tokens.issue(who) if who else "",
            "frame": self.frame,
            "navigation": [
                (page.href, page.text, path.startswith(page.href)) for page in self.allowed(who)
            ],
            "errors": [],
            "field_errors": {},
            "break_glass": self._grant(who),
        }
        return self.templates.TemplateResponse(
            request, template, {**frame, **context}, status_code=status_code
        )

    def _grant(self, who: CertifiedIdentity | None) -> Grant | None:
        """The caller's break-glass grant in force, if any (every page shows a banner)."""
        if who is None:
            return None
        grants = active_grants(self.parts.audit, who.user, self.parts.clock())
        return grants[-1] if grants else None

    def refused(self, request: Request, refusal: CallRefused) -> Response:
        titles = {
            401: "You need a client certificate",
            403: "You cannot use this page",
            404: "Not found",
            400: "The request could not be used",
            413: "The form was too large",
        }
        status = HTTP_STATUS.get(refusal.status, 403)
        return self.render(
            request,
            "refused.html",
            {"title": titles.get(status, "Refused"), "reason": refusal.reason},
            status_code=status,
        )
