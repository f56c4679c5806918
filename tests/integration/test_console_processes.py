"""`hub serve --processes 2`: both server processes serve the web console on its one port.

The real command is started on a data directory holding the lookup world; sixteen
browsers, each on its own mutual-TLS connection, search the desk for James. Every
page is a lookup the audit log records with the process that made it: the pages
were answered by both of the command's server processes, neither of them the parent.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from hub.access.certs import create_authority, issue_client, issue_server
from hub.access.organisations import directory_path
from hub.audit.chain import AuditLog
from hub.audit.keys import audit_signing_key
from hub.bootstrap import build_application
from hub.config import REPO_ROOT, Settings
from tests.fixtures.lookup_world import DESK, JAMES, ORGANISATIONS_CSV, load_world

BROWSERS = 16
STARTUP_LINES = 200
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE = re.compile(r"Lookup reference ([0-9a-f-]+)")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[tuple[Settings, subprocess.Popen[str], int]]:
    """``hub serve --processes 2`` on the lookup world; yields settings, the command, web port."""
    settings = Settings(data_dir=tmp_path / "data", kafka_bootstrap="unused:0")
    create_authority(settings.certs_dir)
    issue_server(settings.certs_dir)
    issue_client(settings.certs_dir, DESK)
    directory = directory_path(settings.data_dir)
    directory.parent.mkdir(parents=True, exist_ok=True)
    directory.write_text(ORGANISATIONS_CSV, encoding="utf-8")
    app = build_application(settings)
    load_world(app, tmp_path)
    app.close()
    environment = {
        **os.environ,
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_WEB_ADDRESS": "127.0.0.1:0",
        "HUB_LOG_FORMAT": "json",
    }
    command = [sys.executable, "-m", "hub", "serve", "--processes", "2", "--no-relay"]
    process = subprocess.Popen(
        [*command, "--address", "127.0.0.1:0", "--workers", "2"],
        cwd=REPO_ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        web_port = None
        for _ in range(STARTUP_LINES):
            line = process.stdout.readline()
            if found := re.match(r"web console on https://[^:]+:(\d+)/", line):
                web_port = int(found.group(1))
            if line.startswith("lookup service on") or not line:
                break
        assert web_port is not None, "hub serve printed no web console address"
        yield settings, process, web_port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _search(settings: Settings, port: int) -> str:
    """One browser on its own connection: the desk's form, then a search for James."""
    certs = settings.certs_dir
    context = ssl.create_default_context(cafile=str(certs / "ca.pem"))
    context.load_cert_chain(certs / f"client-{DESK.user}.pem", certs / f"client-{DESK.user}.key")
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
    try:
        connection.request("GET", "/desk")
        form = connection.getresponse().read().decode()
        token = TOKEN.search(form)
        assert token is not None
        body = urlencode({"csrf_token": token.group(1), "search": "nhs", "nhs_number": JAMES.nhs})
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        connection.request("POST", "/desk", body, headers)
        response = connection.getresponse()
        assert 200 == response.status
        return response.read().decode()
    finally:
        connection.close()


def _children(pid: int) -> set[int]:
    return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def test_both_server_processes_answer_console_pages(
    serve: tuple[Settings, subprocess.Popen[str], int],
) -> None:
    """Sixteen browsers' desk pages: answered by two processes, both children of the command."""
    settings, process, port = serve
    pages = [_search(settings, port) for _ in range(BROWSERS)]
    references = [found.group(1) for page in pages if (found := REFERENCE.search(page))]
    log = AuditLog(settings.audit_path, audit_signing_key(settings.data_dir / "keys"))
    by_reference = {r.payload["lookup_id"]: r.payload for r in log.records("lookup")}
    log.close()

    assert BROWSERS == len(references)
    answered_by = {by_reference[reference]["server_process"] for reference in references}
    assert 2 == len(answered_by)
    assert answered_by <= _children(process.pid)
