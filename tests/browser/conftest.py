"""Browser fixtures: the console served over HTTPS with client certificates, and Chromium.

``console`` serves the lookup world (SQLite event store on disk, alerts raised)
through ``hub web``'s own server (the mutual-TLS front and uvicorn) on a free
loopback port, with a client certificate issued for each user of
``tests.fixtures.console.USERS``. ``open_as(user)`` gives a Chromium page (Debian's
``/usr/bin/chromium``, driven by Playwright; no browser is ever downloaded) that
presents that user's certificate. ``check_accessibility`` runs axe-core (from
npm, ``make setup``) on a page and fails on any WCAG 2.2 AA violation.

Set ``CONSOLE_SCREENSHOTS`` to a directory (``make screenshots``: docs/console)
to keep a screenshot of each page the tests name.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hub.access.certs import create_authority, issue_client, issue_server
from hub.config import REPO_ROOT
from hub.web.server import WebServer
from tests.fixtures.console import USERS, ConsoleWorld, console_world, queue_twin_record

BROWSER_DIR = Path(__file__).parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test collected from tests/browser as ``browser``."""
    for item in items:
        if BROWSER_DIR in item.path.parents:
            item.add_marker(pytest.mark.browser)


@dataclass
class Console:
    world: ConsoleWorld
    url: str
    certs: Path
    rogue: Path

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [record.payload for record in self.world.parts.audit.records(kind)]


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root = tmp_path_factory.mktemp("console")
    with console_world(root, in_memory=False) as world:
        queue_twin_record(world.system.application(), root)
        certs = world.settings.certs_dir
        create_authority(certs)
        issue_server(certs)
        for identity in USERS.values():
            issue_client(certs, identity)
        rogue = root / "rogue"
        create_authority(rogue, "Somebody Else's CA")
        issue_client(rogue, USERS["desk"])
        server: WebServer
        server, port = world.system.web_server(world.parts, "127.0.0.1:0")
        try:
            yield Console(world, f"https://127.0.0.1:{port}", certs, rogue)
        finally:
            server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, for one test module at a time.

    Playwright's synchronous API keeps an event loop running in the main thread while
    it is open; held for the whole session, that loop would make every later
    ``asyncio.run`` in the same thread (pyHanko's signing, for one) fail.
    """
    assert CHROMIUM.exists(), "the browser tests drive Debian's chromium (make setup installs it)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


OpenAs = Callable[..., Page]


@pytest.fixture
def open_as(console: Console, browser: Browser) -> Iterator[OpenAs]:
    """A page presenting ``user``'s certificate (None: no certificate; ``certs``: another CA)."""
    contexts = []

    def open_page(user: str | None, certs: Path | None = None) -> Page:
        certificates = []
        if user is not None:
            directory = certs or console.certs
            name = USERS[user].user
            certificates = [
                {
                    "origin": console.url,
                    "certPath": str(directory / f"client-{name}.pem"),
                    "keyPath": str(directory / f"client-{name}.key"),
                }
            ]
        context = browser.new_context(
            client_certificates=certificates,  # type: ignore[arg-type]
            ignore_https_errors=True,  # the test CA is not in Chromium's trust store
            viewport={"width": 1100, "height": 900},
        )
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: _console_errors.append(message.text))
        return page

    _console_errors: list[str] = []
    yield open_page
    for context in contexts:
        context.close()
    blocked = [text for text in _console_errors if "Content Security Policy" in text]
    assert [] == blocked


def check_accessibility(page: Page, name: str) -> None:
    """axe-core on the page as it is: no WCAG 2.2 A or AA violation. Screenshot if asked."""
    assert AXE.exists(), "axe-core is installed from npm by make setup"
    result = page.evaluate(
        AXE.read_text(encoding="utf-8")
        + f"\n;axe.run(document, {{runOnly: {{type: 'tag', values: {json.dumps(WCAG_22_AA)}}}}})"
    )
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in result["violations"]
    ]
    assert [] == violations, name
    assert result["passes"], "axe checked nothing"
    screenshots = os.environ.get("CONSOLE_SCREENSHOTS")
    if screenshots:
        Path(screenshots).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(screenshots) / f"{name}.png"), full_page=True)
