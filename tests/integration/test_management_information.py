"""Management information against the generator's own output, on the real broker.

A small population is generated, published (police only for its first days, as if the
force's feed then stopped) and ingested; each report's figures are compared with counts
made from the generator's files alone (its native exports, ``ground-truth.jsonl``,
``population.jsonl``), and every report covering the days after the feed stopped must say
it is incomplete.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from adapters.publisher import EventPublisher
from adapters.registry import ADAPTERS
from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.mi.period import Period
from hub.mi.report import Report
from hub.mi.reports import REPORTS
from hub.mi.service import MiRequest
from hub.policy.engine import Recipient
from synthetic.config import GeneratorConfig, default_start_date
from synthetic.writer import generate
from tests.integration.hub_harness import TopicSet, generated_files, run_worker

DAYS = 8
LONDON = ZoneInfo("Europe/London")
MANAGER = Recipient("manager:test", "safeguarding-manager", "991", "local-authority", "none")
A_AND_E_FLAGS = ("injury", "safeguarding_concern_raised", "suspected_non_accidental_injury")


@dataclass
class Ingested:
    out: Path
    data_dir: Path
    first: date
    last: date
    police_last: date  # the last day the police sent anything
    published: list[tuple[str, Path]]


@pytest.fixture(scope="module")
def ingested(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    base = tmp_path_factory.mktemp("mi")
    out = base / "feeds"
    config = GeneratorConfig(700, DAYS, 23, default_start_date(DAYS))
    summary = generate(config, out)
    days = sorted(out.glob("day-*"))
    # The police feed stops after the first day it sent a notification.
    police_days = [
        i for i, day in enumerate(days) if ADAPTERS["police"].read(day / "police.json").events
    ]
    assert police_days and police_days[0] < len(days) - 1
    stopped = police_days[0]
    dropped = {day / "police.json" for day in days[stopped + 1 :]}
    files = [(agency, path) for agency, path in generated_files(out) if path not in dropped]
    topics = TopicSet.fresh()
    with EventPublisher(kafka_bootstrap, base / "ledger.sqlite") as publisher:
        for agency, path in files:
            export = ADAPTERS[agency].read(path)
            report = publisher.publish(agency, path, topics.agency(agency), export)
            assert [] == report.rejected
    run_worker(kafka_bootstrap, base / "hub", topics, f"g-{uuid.uuid4().hex}")
    first, last, police_last = (date.fromisoformat(summary.days[i].date) for i in (0, -1, stopped))
    return Ingested(out, base / "hub", first, last, police_last, files)


def _report(ingested: Ingested, name: str, first: date, last: date, by: str = "agency") -> Report:
    system = bootstrap(Settings(data_dir=ingested.data_dir, kafka_bootstrap="unused"))
    app, audit = system.application(), system.audit()
    try:
        period = Period(first, last, LONDON)
        return system.mi(app, audit).run(MANAGER, MiRequest(name, period, by))
    finally:
        audit.close()
        app.close()


def _rows(report: Report, table: str) -> dict[str, tuple[Any, ...]]:
    return {str(row[0]): row[1:] for row in report.table(table).rows}


def _truth(out: Path) -> dict[tuple[str, str], list[str]]:
    truth = {}
    for line in (out / "ground-truth.jsonl").read_text().splitlines():
        row = json.loads(line)
        truth[(row["agency"], row["record_reference"])] = row["child_ids"]
    return truth


def _expected_contacts(ingested: Ingested) -> dict[str, tuple[int, int, int]]:
    """(contacts, referrals, re-referrals) per agency, from the published native files."""
    truth = _truth(ingested.out)
    episodes: dict[str, dict[tuple[str, str], dict[str, Any]]] = defaultdict(dict)
    for agency, path in ingested.published:
        if agency not in ("ae", "police"):
            continue
        for event in ADAPTERS[agency].read(path).events:
            record = event.record
            children = truth[(agency, record["envelope"]["record_reference"])]
            at = record["envelope"]["occurred_at"]
            if agency == "ae":
                key = record["attendance_reference"]
                state = episodes["EMERGENCY_CARE"].setdefault((children[0], key), {"flags": []})
                if record["attendance_event"] == "REGISTRATION_CANCELLED":
                    state["cancelled"] = True
                if any(record[flag] for flag in A_AND_E_FLAGS):
                    state["flags"].append(
                        (
                            at,
                            record["safeguarding_concern_raised"]
                            or record["suspected_non_accidental_injury"],
                        )
                    )
            else:
                for child in children:
                    episodes["POLICE"][(child, record["incident_reference"])] = {
                        "flags": [(at, record["risk_level"] in ("MEDIUM", "HIGH"))]
                    }
    expected = {}
    for agency, found in episodes.items():
        contacts = {k: v for k, v in found.items() if v["flags"] and not v.get("cancelled")}
        referral_times: dict[str, list[datetime]] = defaultdict(list)
        for (child, _), state in contacts.items():
            if any(referral for _, referral in state["flags"]):
                referral_times[child].append(min(at for at, _ in state["flags"]))
        referrals = sum(len(times) for times in referral_times.values())
        re_referrals = sum(len(times) - 1 for times in referral_times.values())
        expected[agency] = (len(contacts), referrals, re_referrals)
    return expected


def test_contacts_referrals_and_re_referrals_match_the_generators_records(
    ingested: Ingested,
) -> None:
    """G1, R2: contacts, referrals and re-referrals per agency are those the feeds hold."""
    report = _report(ingested, "referrals", ingested.first, ingested.last)
    rows = _rows(report, "referrals-by-agency")
    found = {agency: tuple(rows[agency][:3]) for agency in rows if agency != "Total"}
    assert _expected_contacts(ingested) == found


def test_plans_and_care_at_the_end_match_the_generators_population(ingested: Ingested) -> None:
    """C2, C4: on a plan, looked after, dual plans, starts and ends, from population.jsonl."""
    on_plan = looked_after = dual = starts = ends = care_starts = care_ends = 0
    for line in (ingested.out / "population.jsonl").read_text().splitlines():
        child = json.loads(line)
        plan, care = child["on_plan"], child["looked_after"]
        for change in child["status_changes"]:
            event = change["status_event"]
            starts += event == "plan-started"
            ends += event == "plan-ended" and plan
            care_starts += event == "looked-after-started"
            care_ends += event == "looked-after-ended" and care
            plan = {"plan-started": True, "plan-ended": False}.get(event, plan)
            care = {"looked-after-started": True, "looked-after-ended": False}.get(event, care)
        on_plan, looked_after, dual = on_plan + plan, looked_after + care, dual + (plan and care)
    report = _report(ingested, "plans", ingested.first, ingested.last)
    total = _rows(report, "plans-by-authority")["Total"]
    assert (on_plan, looked_after, dual, starts, ends, care_starts, care_ends) == total[:7]


def test_plans_open_longer_than_two_years_match_the_baseline(ingested: Ingested) -> None:
    """Plans started more than 730 days before the period's end and still open are counted."""
    limit = ingested.last - timedelta(days=730)
    ended = set()
    for line in (ingested.out / "population.jsonl").read_text().splitlines():
        child = json.loads(line)
        if any(c["status_event"] == "plan-ended" for c in child["status_changes"]):
            ended.add(child["child_id"])
    truth = _truth(ingested.out)
    old = 0
    for event in ADAPTERS["csc"].read(ingested.out / "baseline" / "cp-plans.csv").events:
        record = event.record
        child = truth[("csc", record["envelope"]["record_reference"])][0]
        if record["status_event"] == "PLAN_STARTED" and record["event_date"] < limit:
            old += child not in ended
    report = _report(ingested, "plans", ingested.first, ingested.last)
    assert old == _rows(report, "plans-by-authority")["Total"][7]


def test_identity_queue_counts_the_records_waiting(ingested: Ingested) -> None:
    """Records queued for a person during the period and still waiting are counted."""
    system = bootstrap(Settings(data_dir=ingested.data_dir, kafka_bootstrap="unused"))
    app = system.application()
    try:
        waiting = len(app.open_cases_ids())
    finally:
        app.close()
    today = datetime.now(LONDON).date()
    report = _report(ingested, "identity", today - timedelta(days=1), today)
    total = _rows(report, "identity-by-agency")["Total"]
    assert (waiting, waiting) == (total[0], total[3])


@pytest.mark.parametrize("name", REPORTS)
def test_every_report_after_the_police_feed_stopped_says_it_is_incomplete(
    ingested: Ingested, name: str
) -> None:
    """G3: the police stopped sending after one day, so each report of the whole period says so."""
    report = _report(ingested, name, ingested.first, ingested.last)
    missing = {(s.agency, s.organisation): s.state for s in report.completeness.missing}
    assert (False, "late") == (report.complete, missing.get(("POLICE", None)))
    assert "INCOMPLETE" in report.completeness.head()[0]


def test_a_report_of_the_days_the_police_still_sent_is_not_held_up_by_them(
    ingested: Ingested,
) -> None:
    """The same data, a period ending on the last day the police sent: the police are on time."""
    report = _report(ingested, "completeness", ingested.first, ingested.police_last)
    police = [s for s in report.completeness.sources if s.agency == "POLICE"]
    assert "ok" == police[0].state


def test_alert_figures_are_the_alert_stores_own(ingested: Ingested) -> None:
    """The alerts raised on the ingested week, counted by rule, are those the store holds.

    Runs last: it raises the week's alerts into the hub's alert store.
    """
    settings = Settings(
        data_dir=ingested.data_dir,
        kafka_bootstrap="unused",
        organisations_file=ingested.out / "reference" / "organisations.csv",
        postcode_areas_file=ingested.out / "reference" / "postcode-areas.csv",
        alert_max_age_days=3650,
    )
    parts = bootstrap(settings).alerts()
    try:
        while parts.raiser.raise_pending(1000):
            pass
        stored = [
            alert
            for alert in parts.store.select("escalation_level = 0 AND superseded_by IS NULL")
            if alert.state != "refused"
        ]
    finally:
        parts.close()
    expected: dict[str, int] = defaultdict(int)
    for alert in stored:
        expected[alert.rule_id] += 1
    system = bootstrap(settings)
    app, audit = system.application(), system.audit()
    try:
        period = Period(ingested.first, datetime.now(LONDON).date(), LONDON)
        report = system.mi(app, audit).run(MANAGER, MiRequest("alerts", period))
    finally:
        audit.close()
        app.close()
    rows = _rows(report, "alerts-by-rule")
    assert stored, "the week raised no alert"
    assert dict(expected) == {rule: row[0] for rule, row in rows.items() if rule != "Total"}
