"""``hub kafka console-consumer``: options passed on to Kafka's own console consumer."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from broker import kafka_runtime
from hub.cli.main import main


@pytest.fixture
def run_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[list[str]]:
    """No JVM: the jars are assumed present and the command line is recorded, not run."""
    ran: list[list[str]] = []
    monkeypatch.setattr(kafka_runtime, "ensure_libs", lambda libs: libs)
    monkeypatch.setattr(kafka_runtime, "java_executable", lambda: "java")

    def fake_run(command: list[str], **_: Any) -> subprocess.CompletedProcess[bytes]:
        ran.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(subprocess, "run", fake_run)
    monkeypatch.setenv("HUB_KAFKA_LIBS", str(tmp_path))
    return ran


def test_properties_reach_the_console_consumer(run_commands: list[list[str]]) -> None:
    """`--property print.headers=true` (repeatable) is passed on, so headers can be seen."""
    argv = ["kafka", "console-consumer", "--topic", "hub.dead-letter"]
    assert 0 == main([*argv, "--property", "print.headers=true", "--property", "print.key=true"])
    [command] = run_commands
    at = command.index("hub.dead-letter") + 1
    expected = ["--formatter-property", "print.headers=true"]
    assert [*expected, "--formatter-property", "print.key=true"] == command[at:]


def test_a_property_without_a_value_is_refused(
    run_commands: list[list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    """A property that is not KEY=VALUE is refused before Kafka's consumer is started."""
    with pytest.raises(SystemExit):
        main(["kafka", "console-consumer", "--topic", "t", "--property", "print.headers"])
    assert [] == run_commands
    assert "expected KEY=VALUE" in capsys.readouterr().err
