"""Settings: every HUB_* variable is read once, into one object, checked, and documented."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from hub.cli.main import main
from hub.config import REPO_ROOT, Settings, SettingsError

# A usable value for each variable that differs from its default.
SAMPLES = {
    "HUB_DATA_DIR": "/srv/hub-data",
    "HUB_KAFKA_BOOTSTRAP": "kafka-1:9093",
    "HUB_DATABASE_URL": "postgresql://hub@db:5432/hub",
    "HUB_CONSUMER_GROUP": "another-group",
    "HUB_BATCH_SIZE": "500",
    "HUB_KAFKA_SESSION_TIMEOUT_MS": "9000",
    "HUB_KAFKA_HEARTBEAT_INTERVAL_MS": "1500",
    "HUB_KAFKA_MAX_POLL_INTERVAL_MS": "120000",
    "HUB_DECODE_PROCESSES": "0",
    "HUB_AGGREGATE_CACHE_SIZE": "1000",
    "HUB_LOOKUP_ADDRESS": "0.0.0.0:60051",
    "HUB_CERTS_DIR": "/srv/certs",
    "HUB_LOOKUP_USER": "desk-2",
    "HUB_WEB_ADDRESS": "0.0.0.0:9443",
    "HUB_WEB_ASSETS_DIR": "/srv/govuk-frontend",
    "HUB_KAFKA_PORT": "9192",
    "HUB_KAFKA_HOST": "10.77.0.1",
    "HUB_KAFKA_DATA_DIR": "/srv/kafka",
    "HUB_KAFKA_LIBS": "/srv/kafka-libs",
    "HUB_TOPIC_PREFIX": "run-1.",
    "HUB_SCHEMAS_DIR": "/srv/schemas",
    "HUB_POLICY_FILE": "/srv/policy.toml",
    "HUB_CIPHER_KEY": "c2VjcmV0",
    "HUB_ORGANISATIONS": "/srv/organisations.csv",
    "HUB_POSTCODE_AREAS": "/srv/postcode-areas.csv",
    "HUB_ALERT_RULES": "/srv/alert-rules.toml",
    "HUB_ALERT_MAX_AGE_DAYS": "2.5",
    "HUB_MI_REFERENCE": "/srv/mi.toml",
    "HUB_MI_SMALL_COUNT": "5",
    "HUB_SCHOOL_CALENDAR": "/srv/terms.toml",
    "HUB_SCHOOL_DAY_START": "09:00",
    "HUB_DEFAULT_AUTHORITY": "383",
    "HUB_DUTY_OPERATOR_EMAIL": "duty@hub.example.org.uk",
    "HUB_DOCUMENT_ISSUER": "Northshire Safeguarding Partnership hub",
    "HUB_SMTP_HOST": "smtp.example.org.uk",
    "HUB_SMTP_PORT": "2525",
    "HUB_SMTP_STARTTLS": "off",
    "HUB_SMTP_USER": "hub",
    "HUB_SMTP_PASSWORD": "s3cret",
    "HUB_ALERT_SENDER": "hub@example.org.uk",
    "HUB_ALERT_WEBHOOK_URL": "https://hooks.example.org.uk/alerts",
    "HUB_ALERT_WEBHOOK_SECRET": "hook-secret",
    "HUB_LOG_LEVEL": "debug",
    "HUB_LOG_FORMAT": "json",
    "HUB_AE_TIME_ZONE": "America/New_York",
    "HUB_LOCAL_TIME_ZONE": "Europe/Dublin",
    "HUB_AUDIT_SIGNING_KEY": "/secure/audit-signing.pem",
    "HUB_AUDIT_WITNESS_FILE": "/witness/heads.jsonl",
    "HUB_AUDIT_HEAD_BOUND_SECONDS": "5",
    "HUB_AUDIT_KEY_FINGERPRINT": "ab12cd34",
    "HUB_METRICS_ADDRESS": "0.0.0.0:9464",
}


def test_every_variable_has_a_sample_here() -> None:
    """The samples below cover exactly the settings' variables (a new one needs a sample)."""
    assert sorted(Settings.variables()) == sorted(SAMPLES)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_variable_is_read_into_the_settings(name: str) -> None:
    """Setting one variable changes the settings read from the environment."""
    assert Settings.from_env({}) != Settings.from_env({name: SAMPLES[name]})


def test_defaults_with_nothing_set() -> None:
    """Without any variable: the repository's data directory and a broker on 127.0.0.1:9092."""
    settings = Settings.from_env({})
    assert (REPO_ROOT / ".data", "127.0.0.1:9092", "") == (
        settings.data_dir,
        settings.kafka_bootstrap,
        settings.topic_prefix,
    )
    assert (2000, 1, True, "INFO") == (
        settings.batch_size,
        settings.decode_processes,
        settings.smtp_starttls,
        settings.log_level,
    )


def test_kafka_bootstrap_follows_the_kafka_port() -> None:
    """HUB_KAFKA_BOOTSTRAP defaults to the local broker on HUB_KAFKA_PORT."""
    assert "127.0.0.1:9193" == Settings.from_env({"HUB_KAFKA_PORT": "9193"}).kafka_bootstrap


def test_the_default_bootstrap_follows_the_brokers_host() -> None:
    """A broker served to other hosts (HUB_KAFKA_HOST) is where the hub's parts look for it."""
    environ = {"HUB_KAFKA_HOST": "10.77.0.1", "HUB_KAFKA_PORT": "9193"}
    assert "10.77.0.1:9193" == Settings.from_env(environ).kafka_bootstrap


def test_paths_under_the_data_directory_follow_it_unless_configured() -> None:
    """Reference files live under the data directory; their own variables move them."""
    settings = Settings.from_env({"HUB_DATA_DIR": "/d", "HUB_POSTCODE_AREAS": "/p.csv"})
    assert Path("/d/reference/organisations.csv") == settings.organisations_path
    assert Path("/p.csv") == settings.postcode_areas_path
    assert Path("/d/certs") == settings.certs_dir


def test_topic_prefix_reaches_every_topic_name() -> None:
    """HUB_TOPIC_PREFIX is put before each of the hub's topics."""
    topics = Settings.from_env({"HUB_TOPIC_PREFIX": "t1."}).topics
    assert all(name.startswith("t1.") for name in topics.counted)
    assert "t1.hub.alerts" == topics.alerts


@pytest.mark.parametrize(
    ("name", "value", "why"),
    [
        ("HUB_BATCH_SIZE", "many", "expected a whole number"),
        ("HUB_BATCH_SIZE", "0", "at least 1"),
        ("HUB_DECODE_PROCESSES", "-1", "at least 0"),
        ("HUB_KAFKA_PORT", "70000", "1 to 65535"),
        ("HUB_SMTP_PORT", "smtp", "expected a whole number"),
        ("HUB_ALERT_MAX_AGE_DAYS", "a week", "expected a number"),
        ("HUB_MI_SMALL_COUNT", "five", "expected a whole number"),
        ("HUB_SMTP_STARTTLS", "maybe", "expected one of"),
        ("HUB_SCHOOL_DAY_START", "quarter to nine", "expected HH:MM"),
        ("HUB_LOG_LEVEL", "LOUD", "expected one of DEBUG"),
        ("HUB_LOG_FORMAT", "xml", "expected one of console, json"),
        ("HUB_AE_TIME_ZONE", "Europe/Atlantis", "an IANA time zone"),
        ("HUB_LOCAL_TIME_ZONE", "Mars/Olympus", "an IANA time zone"),
        ("HUB_AUDIT_HEAD_BOUND_SECONDS", "soon", "expected a number"),
        ("HUB_LOOKUP_ADDRESS", "localhost", "expected host:port"),
        ("HUB_WEB_ADDRESS", "127.0.0.1:https", "expected host:port"),
    ],
)
def test_an_unusable_value_is_refused_naming_the_variable(name: str, value: str, why: str) -> None:
    """The error names the variable, the value and what was expected."""
    with pytest.raises(SettingsError, match=re.escape(f"{name}={value!r}: ") + ".*" + why):
        Settings.from_env({name: value})


def test_secrets_stay_out_of_the_settings_repr() -> None:
    """The cipher key, SMTP password and webhook secret never appear in a printed Settings."""
    settings = Settings.from_env(SAMPLES)
    shown = repr(settings)
    for name in ("HUB_CIPHER_KEY", "HUB_SMTP_PASSWORD", "HUB_ALERT_WEBHOOK_SECRET"):
        assert SAMPLES[name] not in shown
    assert "smtp.example.org.uk" in shown


def test_the_command_line_stops_on_an_unusable_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hub` exits 2 before running anything, naming the variable."""
    monkeypatch.setenv("HUB_BATCH_SIZE", "lots")
    assert 2 == main(["policy", "check"])
    assert "HUB_BATCH_SIZE='lots': expected a whole number" in capsys.readouterr().err


def _readme_variables() -> set[str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `HUB_")]
    return {name for row in rows for name in re.findall(r"`(HUB_[A-Z_]+)`", row.split("|")[1])}


# Read by the test session only (tests/integration), never by the product.
TEST_ONLY = {"HUB_TEST_KAFKA_BOOTSTRAP"}


def test_the_readme_table_lists_every_setting() -> None:
    """Each variable the settings read has a row in the README's configuration table."""
    assert [] == sorted(set(Settings.variables()) - _readme_variables())


def test_every_variable_in_the_readme_table_is_a_setting() -> None:
    """The README's table names no variable the settings do not read (test-only ones aside)."""
    assert [] == sorted(_readme_variables() - set(Settings.variables()) - TEST_ONLY)


def test_each_field_names_its_variable() -> None:
    """Every field of Settings says which environment variable it comes from."""
    assert all(f.metadata.get("env", "").startswith("HUB_") for f in fields(Settings))


_ENV_READ = re.compile(r"""(?:environ\.get|environ\[|getenv)\(?\s*["'](HUB_[A-Z_]+)""")


def test_no_module_but_the_settings_reads_a_hub_variable() -> None:
    """Outside hub/config.py, no module (product or tooling) reads a HUB_* variable."""
    readers = sorted(
        f"{path.relative_to(REPO_ROOT)}: {name}"
        for package in ("hub", "adapters", "consumers", "bench", "synthetic", "broker")
        for path in (REPO_ROOT / package).rglob("*.py")
        if path != REPO_ROOT / "hub" / "config.py"
        for name in _ENV_READ.findall(path.read_text(encoding="utf-8"))
    )
    assert [] == readers
