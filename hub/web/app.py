"""The console as an ASGI application: routes, static assets, security headers, refusals.

``create_console(parts, config, identify)`` builds it; ``hub.web.server`` serves
it behind the mutual-TLS front, and unit tests drive it with Starlette's
``TestClient`` and an ``identify`` of their own.
"""

from __future__ import annotations

from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hub.access.callers import CallRefused
from hub.web import chronology_page, desk_page, identity_page, ig_page, inbox_page, mi_page
from hub.web.access import PageGuard
from hub.web.pages import Pages
from hub.web.parts import ConsoleConfig, ConsoleParts
from hub.web.security import CsrfTokens, Identify, SecurityHeaders

STATIC = Path(__file__).parent / "static"


def create_console(parts: ConsoleParts, config: ConsoleConfig, identify: Identify) -> Starlette:
    guard = PageGuard(parts, identify, CsrfTokens(config.csrf_key))
    pages = Pages(parts, config, guard)

    async def home(request: Request) -> Response:
        identity = guard.signed_in(request)
        return pages.render(
            request, "home.html", {"title": "Start", "pages": pages.allowed(identity)}
        )

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, CallRefused)
        return pages.refused(request, error)

    async def not_found(request: Request, error: Exception) -> Response:
        return pages.refused(request, CallRefused("NOT_FOUND", "There is no page at this address."))

    routes = [
        Route("/", home),
        *desk_page.routes(pages),
        *inbox_page.routes(pages),
        *chronology_page.routes(pages),
        *ig_page.routes(pages),
        *identity_page.routes(pages),
        *mi_page.routes(pages),
        Mount("/assets", StaticFiles(directory=config.assets_dir / "assets", check_dir=False)),
        Mount("/static/govuk", StaticFiles(directory=config.assets_dir, check_dir=False)),
        Mount("/static/console", StaticFiles(directory=STATIC)),
    ]
    app = Starlette(
        routes=routes, exception_handlers={CallRefused: refused, 404: not_found, 405: not_found}
    )
    app.add_middleware(SecurityHeaders)
    return app
