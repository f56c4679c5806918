"""``hub publish``: what its help tells a new user (publishing itself is an integration test)."""

from __future__ import annotations

import pytest

from hub.cli.main import main


def test_publish_help_says_which_stream_holds_the_summary_and_the_reasons(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`hub publish --help` says the summary is on stdout and the rejection reasons on stderr."""
    with pytest.raises(SystemExit) as done:
        main(["publish", "--help"])
    assert 0 == done.value.code
    text = " ".join(capsys.readouterr().out.split())
    assert "summary (or --json report) goes to stdout" in text
    assert "reason to stderr" in text
