"""``hub web`` refuses to start without what it serves with: certificates and GOV.UK Frontend."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.access.certs import create_authority, issue_server
from hub.cli.main import main


def test_hub_web_needs_a_server_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without hub certs init there is nothing to serve HTTPS with: exit 2, saying so."""
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    assert 2 == main(["web"])
    assert "hub certs init" in capsys.readouterr().err


def test_hub_web_needs_the_govuk_frontend_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without GOV.UK Frontend installed (make setup) the console would be unstyled: exit 2."""
    create_authority(tmp_path / "certs")
    issue_server(tmp_path / "certs")
    monkeypatch.setenv("HUB_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HUB_WEB_ASSETS_DIR", str(tmp_path / "nowhere"))
    assert 2 == main(["web"])
    assert "make setup" in capsys.readouterr().err
