"""The composition root: parts built from settings, fakes used where given, a store in memory."""

from __future__ import annotations

from datetime import UTC, datetime, time
from pathlib import Path

from consumers.alert_delivery import delivery_config
from hub.access.organisations import OrganisationDirectory
from hub.alerts.postcode_areas import PostcodeAreas
from hub.bootstrap import bootstrap
from hub.calendar.school_day import SchoolCalendar
from hub.config import Settings
from hub.policy.loader import DEFAULT_POLICY, load_policy

SCHOOL = {"urn": "100001", "name": "Ashbury Primary", "dsl_name": "D. Lead"}
ORGANISATIONS = "code,type,name\n383,local-authority,Leeds\n"


def _settings(tmp_path: Path, **values: str) -> Settings:
    return Settings.from_env({"HUB_DATA_DIR": str(tmp_path), **values})


def test_an_in_memory_system_shares_one_store_and_writes_no_event_store_file(
    tmp_path: Path,
) -> None:
    """With in_memory, what one application saves another reads; no SQLite file is made."""
    system = bootstrap(_settings(tmp_path), in_memory=True)
    assert 1 == system.application(worker=True).load_schools([SCHOOL])
    school = system.application().school("100001")
    assert school is not None and "Ashbury Primary" == school.details["name"]
    assert not (tmp_path / "hub.sqlite").exists()


def test_the_configured_store_is_a_file_under_the_data_directory(tmp_path: Path) -> None:
    """Without in_memory, a second application reads what the first one saved to disk."""
    system = bootstrap(_settings(tmp_path))
    writer = system.application(worker=True)
    writer.load_schools([SCHOOL])
    writer.close()
    assert system.application().school("100001") is not None
    assert (tmp_path / "hub.sqlite").exists()


def test_fakes_given_to_bootstrap_replace_the_loaded_parts(tmp_path: Path) -> None:
    """A directory, postcode table, calendar and clock given are the ones the alert side uses."""
    directory = OrganisationDirectory.parse(ORGANISATIONS)
    areas = PostcodeAreas.parse("postcode_prefix,la_code\nLS7,383\n")
    calendar = SchoolCalendar()
    moment = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    system = bootstrap(
        _settings(tmp_path),
        in_memory=True,
        directory=directory,
        postcode_areas=areas,
        calendar=calendar,
        clock=lambda: moment,
    )
    parts = system.alerts()
    try:
        assert (directory, areas, calendar) == (
            parts.directory,
            system.postcode_areas(),
            system.school_calendar(),
        )
    finally:
        parts.close()


def test_reference_data_comes_from_the_configured_files(tmp_path: Path) -> None:
    """HUB_ORGANISATIONS and HUB_POLICY_FILE point the system at other files."""
    organisations = tmp_path / "elsewhere.csv"
    organisations.write_text(ORGANISATIONS, encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_bytes(DEFAULT_POLICY.read_bytes().replace(b'version = "', b'version = "moved-', 1))
    system = bootstrap(
        _settings(tmp_path, HUB_ORGANISATIONS=str(organisations), HUB_POLICY_FILE=str(policy))
    )
    assert system.directory().get("383") is not None
    assert f"moved-{load_policy().version}" == system.policy().version


def test_school_day_start_setting_reaches_the_calendar(tmp_path: Path) -> None:
    """HUB_SCHOOL_DAY_START sets when the school day starts for Operation Encompass."""
    system = bootstrap(_settings(tmp_path, HUB_SCHOOL_DAY_START="09:10"))
    assert time(9, 10) == system.school_calendar().day_start


def test_local_time_zone_setting_reaches_the_calendar(tmp_path: Path) -> None:
    """HUB_LOCAL_TIME_ZONE is the zone the school calendar takes local dates and starts in."""
    system = bootstrap(_settings(tmp_path, HUB_LOCAL_TIME_ZONE="Europe/Dublin"))
    assert "Europe/Dublin" == system.school_calendar().zone.key


def test_delivery_is_configured_from_the_settings(tmp_path: Path) -> None:
    """SMTP, webhook and topic settings reach alert delivery as given."""
    config = delivery_config(
        _settings(
            tmp_path,
            HUB_TOPIC_PREFIX="t.",
            HUB_SMTP_HOST="127.0.0.1",
            HUB_SMTP_PORT="2525",
            HUB_SMTP_STARTTLS="0",
            HUB_ALERT_WEBHOOK_URL="http://127.0.0.1:8080/hook",
            HUB_ALERT_WEBHOOK_SECRET="k",
        )
    )
    assert ("t.hub.alerts", "t.hub.alerts.dead-letter") == (config.topic, config.dead_letter_topic)
    assert config.smtp is not None and ("127.0.0.1", 2525, False) == (
        config.smtp.host,
        config.smtp.port,
        config.smtp.starttls,
    )
    assert config.webhook is not None and (b"k", True) == (
        config.webhook.secret,
        config.webhook.allow_http,
    )


def test_without_an_smtp_host_there_is_no_email_delivery(tmp_path: Path) -> None:
    """Email delivery is configured only when HUB_SMTP_HOST is set."""
    assert delivery_config(_settings(tmp_path)).smtp is None
