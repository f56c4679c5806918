"""``hub bench alerts``: latency from an agency's publish to the alert email, under ingest load.

Issue 6 asks that an alert reaches the lead practitioner quickly (goal: p99 under
one second). The benchmark runs the real pipeline as separate processes on a fresh
topic prefix and data directory:

    agency topic -> ``hub run`` (event store) -> ``hub alerts run --clock wall``
    (rules, policy, ``hub.alerts``) -> ``hub alerts deliver`` -> SMTP

with an in-process aiosmtpd server that notes when each email arrives.

1. *Set-up*: ``children`` synthetic children get a child protection plan (with a
   lead social worker's email each); once the worker has committed them, two
   warm-up probes go through end to end (connections, consumer groups, caches).
2. *Load*: a thread publishes authorised school absences (code I, no consecutive
   count: they raise nothing) about those children at ``background_rate`` events/s.
3. *Probes*: every ``probe_interval`` seconds, for ``seconds``, one A&E arrival
   (no injury, no concern) for a child on a plan not probed before. Rule
   ``a1-attendance-while-on-plan-or-looked-after`` sends its lead social worker an
   email; it is matched to its probe by the NHS number in the body. The send time
   is taken just before ``producer.send`` (linger 0, acks=all), so the latency
   includes the agency's own produce round trip.

The baseline, measured in the same run, is the raw Kafka produce -> consume time
of a message on a spare topic (same producer settings), pinged ten times a second
during the probes: compare ratios, not milliseconds, between noisy runs. Where it
can, the benchmark also splits each probe's latency into stages: ingest (publish
-> the worker's ``EntryRecorded`` event), raise+publish (-> the alert's record
time on ``hub.alerts``) and deliver (-> the email's arrival). Nothing is asserted.
"""

from __future__ import annotations

import email
import math
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any, ClassVar, TextIO

from aiosmtpd.controller import Controller
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError

from adapters import emergency_care, school, social_care
from adapters.envelope import envelope, message_key, subject
from adapters.records import OutboundEvent
from bench.procstat import process_cpu_seconds
from bench.synthetic_events import FAMILY, GIVEN
from hub import topics
from hub.alerts.rules_loader import load_alert_rules
from hub.bootstrap import build_application
from hub.config import REPO_ROOT, Settings
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from synthetic.identifiers import make_upn, new_nhs_number

A1_RULE = "a1-attendance-while-on-plan-or-looked-after"
LA_CODE = "900"
SITE_CODE = "RXX01"
SCHOOL_URN = "100001"
ORGANISATIONS = f"""code,type,name,email,escalation_email
{LA_CODE},local-authority,Bench Borough,front-door@bench.example.org.uk,duty@bench.example.org.uk
{SITE_CODE},unscheduled-care,Bench General ED,safeguarding@rxx01.example.nhs.uk,
{SCHOOL_URN},school,Bench Primary,dsl@100001.example.org.uk,
"""
SCHOOLS = f"""urn,name,dsl_name,dsl_email,la_code
{SCHOOL_URN},Bench Primary,Pat Lead,dsl@100001.example.org.uk,{LA_CODE}
"""
WARM_UPS = 2
RAMP_SECONDS = 3.0  # background load before the first probe
GRACE_SECONDS = 30.0  # after the last probe, for alerts still on their way
BASELINE_INTERVAL = 0.1
NHS_IN_BODY = re.compile(r"NHS number (\d{10})")
# Hub environment the benchmark must not inherit: it uses its own SQLite store,
# directory, SMTP server and no webhook.
NOT_INHERITED = (
    "HUB_DATABASE_URL",
    "HUB_ORGANISATIONS",
    "HUB_ALERT_WEBHOOK_URL",
    "HUB_SMTP_USER",
    "HUB_SMTP_PASSWORD",
    "HUB_DEFAULT_AUTHORITY",
    "HUB_ALERT_RULES",
)
# Agency producer settings (adapters/publisher.py) but linger 0: a probe is one message.
PROBE_PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 0}
LOAD_PRODUCER = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 20,
    "batch_size": 256 * 1024,
}


# Results ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (``nan`` for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


@dataclass(frozen=True)
class AlertsBenchResult:
    """Figures of one run; ``lines()`` is what to print."""

    children: int
    probe_interval: float
    background_target: float
    background_sent: int
    background_seconds: float
    probes_sent: int
    probe_limit_reason: str | None
    latencies_ms: list[float]  # delivered probes only
    ack_ms: list[float]  # producer send -> broker ack, per probe
    other_emails: int  # emails during the probes that match no probe (expected 0)
    baseline_ms: list[float]
    stages_ms: dict[str, list[float]]
    ingest_backlog: int | None  # agency messages not yet committed when the probes ended
    cpu_percent: dict[str, float]
    load_average: float | None = None  # 1-minute load average as the probes ended
    problems: list[str] = field(default_factory=list)

    @property
    def delivered(self) -> int:
        return len(self.latencies_ms)

    @property
    def background_rate(self) -> float:
        return self.background_sent / self.background_seconds if self.background_seconds else 0.0

    def lines(self) -> list[str]:
        def ms(values: Sequence[float], fraction: float) -> str:
            value = percentile(values, fraction)
            return "-" if math.isnan(value) else f"{value:,.0f}"

        missing = self.probes_sent - self.delivered
        p99 = percentile(self.latencies_ms, 0.99)
        met = self.delivered > 0 and missing == 0 and p99 < 1000
        lines = [
            f"alerts bench: {self.children} children on a CP plan, a probe every "
            f"{self.probe_interval:g} s",
            f"  background ingest:  target {self.background_target:,.0f} events/s, sent "
            f"{self.background_rate:,.0f} events/s ({self.background_sent:,} school absences "
            f"in {self.background_seconds:.1f} s)",
            f"  probes sent:        {self.probes_sent} A&E arrivals"
            + (f" ({self.probe_limit_reason})" if self.probe_limit_reason else ""),
            f"  alerts delivered:   {self.delivered}"
            + (f" ({missing} not within {GRACE_SECONDS:.0f} s)" if missing else "")
            + f"; other emails {self.other_emails}",
            f"  publish -> email:   p50 {ms(self.latencies_ms, 0.5)} ms, "
            f"p99 {ms(self.latencies_ms, 0.99)} ms, max {ms(self.latencies_ms, 1.0)} ms "
            f"(count {self.delivered})",
        ]
        for name, values in self.stages_ms.items():
            lines.append(
                f"    {name + ':':<32}p50 {ms(values, 0.5):>6} ms, p99 {ms(values, 0.99):>6} ms"
            )
        lines.append(
            f"  probe send -> ack:  p50 {ms(self.ack_ms, 0.5)} ms, p99 {ms(self.ack_ms, 0.99)} ms"
        )
        base50 = percentile(self.baseline_ms, 0.5)
        base99 = percentile(self.baseline_ms, 0.99)
        lines.append(
            f"  kafka baseline:     p50 {base50:,.1f} ms, p99 {base99:,.1f} ms ".replace("nan", "-")
            + f"(produce -> consume, spare topic, {len(self.baseline_ms)} pings)"
        )
        if self.delivered and self.baseline_ms:
            lines.append(
                f"  ratio hub/baseline: p50 {percentile(self.latencies_ms, 0.5) / base50:,.0f}x, "
                f"p99 {p99 / base99:,.0f}x"
            )
        if self.ingest_backlog is not None:
            lines.append(
                f"  ingest backlog when probes ended: {self.ingest_backlog:,} agency messages"
            )
        if self.cpu_percent:
            cpu = ", ".join(f"{name} {value:.0f}%" for name, value in self.cpu_percent.items())
            lines.append(f"  CPU during probes (of one core; {os.cpu_count()} cores): {cpu}")
        if self.load_average is not None:
            lines.append(
                f"  machine load average (1 min) as the probes ended: {self.load_average:.1f}"
            )
        verdict = "met" if met else "NOT met"
        why = f"p99 {ms(self.latencies_ms, 0.99)} ms" + (
            f", {missing} probes undelivered" if missing else ""
        )
        lines.append(f"  goal p99 < 1000 ms: {verdict} ({why})")
        lines += [f"  problem: {problem}" for problem in self.problems]
        return lines


# Synthetic children and their events --------------------------------------------------------


@dataclass(frozen=True)
class BenchChild:
    serial: int
    nhs_number: str
    upn: str
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str
    uprn: str

    @property
    def worker_email(self) -> str:
        return f"sw{self.serial:05d}@bench.example.org.uk"

    def subject_fields(self, **identifiers: str | None) -> dict[str, Any]:
        """The envelope's subject: this child's demographics plus the record's identifiers."""
        return subject(
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            postcode=self.postcode,
            **identifiers,
        )


def population(count: int, seed: int) -> list[BenchChild]:
    rng = random.Random(seed)
    used: set[str] = set()
    return [
        BenchChild(
            serial=serial,
            nhs_number=new_nhs_number(rng, used),
            upn=make_upn(LA_CODE, f"{serial // 1000:04d}", 20, serial % 1000),
            given_name=rng.choice(GIVEN),
            family_name=rng.choice(FAMILY),
            date_of_birth=date(2010, 1, 1) + timedelta(days=rng.randrange(3650)),
            postcode=f"ZZ{serial % 90 + 1} {rng.randrange(10)}AB",
            uprn=f"9{serial:011d}",
        )
        for serial in range(count)
    ]


def plan_started(child: BenchChild, run: str, now: datetime) -> OutboundEvent:
    started = now.date() - timedelta(days=30)
    fields = child.subject_fields(
        nhs_number=child.nhs_number,
        unique_pupil_number=child.upn,
        local_id=f"LCS-{child.serial}",
        household_reference=child.uprn,
    )
    record = {
        "envelope": envelope(
            agency=social_care.AGENCY,
            source_system=social_care.SOURCE_SYSTEM,
            source_organisation=LA_CODE,
            record_reference=f"{LA_CODE}/LCS-{child.serial}/plan-started/{run}",
            occurred_at=datetime.combine(started, clock_time(9, 0), tzinfo=UTC),
            recorded_at=now,
            subject_fields=fields,
        ),
        "status_event": "PLAN_STARTED",
        "event_date": started,
        "plan_category": "NEGLECT",
        "looked_after": False,
        "responsible_authority": {
            "code": LA_CODE,
            "name": "Bench Borough",
            "office_hours_phone": "0100 000 0001",
            "out_of_hours_phone": "0100 000 0002",
        },
        "lead_social_worker": f"Worker {child.serial}",
        "lead_social_worker_email": child.worker_email,
        "team": "Bench Team",
    }
    key = message_key(social_care.AGENCY, LA_CODE, fields)
    return OutboundEvent(social_care.SCHEMA, record, key)


def authorised_absence(child: BenchChild, number: int, run: str, now: datetime) -> OutboundEvent:
    """Code I (illness), no consecutive count: no rule counts it, so it raises nothing."""
    day = now.date() - timedelta(days=number % 28)
    session = "AM" if number % 2 else "PM"
    fields = child.subject_fields(unique_pupil_number=child.upn, household_reference=child.uprn)
    record = {
        "envelope": envelope(
            agency=school.AGENCY,
            source_system=school.SOURCE_SYSTEM,
            source_organisation=SCHOOL_URN,
            record_reference=f"{SCHOOL_URN}/{child.upn}/{run}-{number}/{session}/I",
            occurred_at=datetime.combine(day, clock_time(8, 45), tzinfo=UTC),
            recorded_at=now,
            subject_fields=fields,
        ),
        "school_urn": SCHOOL_URN,
        "school_name": "Bench Primary",
        "session_date": day,
        "session": session,
        "attendance_code": "I",
        "absence_type": "AUTHORISED",
        "consecutive_absences": None,
    }
    return OutboundEvent(school.SCHEMA, record, message_key(school.AGENCY, SCHOOL_URN, fields))


def arrival(child: BenchChild, visit: str, now: datetime) -> OutboundEvent:
    """An A&E registration with no injury and no concern: only rule A1 fires (on a plan)."""
    fields = child.subject_fields(
        nhs_number=child.nhs_number, local_id=f"{SITE_CODE}-{child.serial:07d}"
    )
    record = {
        "envelope": envelope(
            agency=emergency_care.AGENCY,
            source_system="EDIS",
            source_organisation=SITE_CODE,
            record_reference=f"{SITE_CODE}/{visit}/A04",
            occurred_at=now,
            recorded_at=now,
            subject_fields=fields,
        ),
        "attendance_event": "REGISTERED",
        "site_code": SITE_CODE,
        "site_name": "Bench General ED",
        "site_type": "EMERGENCY_DEPARTMENT",
        "attendance_reference": visit,
        "arrival_time": now,
        "attendance_category": "FIRST",
        "injury": False,
        "safeguarding_concern_raised": False,
        "suspected_non_accidental_injury": False,
        "examination_refused": False,
        "discharge_status": None,
        "discharge_time": None,
        "registered_gp_practice": None,
        "registered_gp_practice_name": None,
    }
    key = message_key(emergency_care.AGENCY, SITE_CODE, fields)
    return OutboundEvent(emergency_care.SCHEMA, record, key)


# The mailbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Arrived:
    at: float  # wall clock, seconds
    subject: str
    nhs_number: str | None


class TimedMailbox:
    """An aiosmtpd handler noting when each message arrived, its subject and NHS number."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.messages: list[Arrived] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        at = time.time()
        message = email.message_from_bytes(envelope.content)
        body = message.get_payload(decode=True)
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        found = NHS_IN_BODY.search(text)
        headline = " ".join(str(message["Subject"] or "").split())  # unfolded
        arrived = Arrived(at, headline, found.group(1) if found else None)
        with self._lock:
            self.messages.append(arrived)
        return "250 Message accepted for delivery"

    def snapshot(self) -> list[Arrived]:
        with self._lock:
            return list(self.messages)


# The hub's processes ------------------------------------------------------------------------


def _hub_command() -> list[str]:
    script = Path(sys.executable).with_name("hub")
    return [str(script)] if script.exists() else [sys.executable, "-m", "hub"]


def _tail(path: Path, lines: int = 15) -> str:
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


class HubProcesses:
    """``hub run``, ``hub alerts run --clock wall`` and ``hub alerts deliver`` as subprocesses."""

    COMMANDS: ClassVar[dict[str, list[str]]] = {
        "worker": ["run"],
        "raiser": ["alerts", "run", "--clock", "wall"],
        "delivery": ["alerts", "deliver"],
    }

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self._env = env
        self._logs = logs
        self._processes: dict[str, subprocess.Popen[bytes]] = {}
        self._files: list[TextIO] = []

    def run_once(self, *arguments: str) -> None:
        done = subprocess.run(
            [*_hub_command(), *arguments],
            env=self._env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"hub {' '.join(arguments)} failed: {done.stderr.strip()}")

    def start(self) -> None:
        for name in self.COMMANDS:
            self._launch(name)

    def _launch(self, name: str) -> None:
        out = (self._logs / f"{name}.out").open("a")
        err = (self._logs / f"{name}.err").open("a")
        self._files += [out, err]
        self._processes[name] = subprocess.Popen(
            [*_hub_command(), *self.COMMANDS[name]],
            env=self._env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=err,
        )

    def restart(self, name: str, timeout: float = 20.0) -> None:
        process = self._processes[name]
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._launch(name)

    def logged(self, name: str, text: str) -> bool:
        path = self._logs / f"{name}.err"
        return path.exists() and text in path.read_text(encoding="utf-8", errors="replace")

    def exited(self) -> list[str]:
        return [name for name, process in self._processes.items() if process.poll() is not None]

    def cpu(self) -> dict[str, float]:
        found = {}
        for name, process in self._processes.items():
            seconds = process_cpu_seconds(process.pid)
            if seconds is not None:
                found[name] = seconds
        return found

    def tails(self) -> str:
        """The end of each process's stderr, to tell why a run failed."""
        return "\n".join(
            f"--- {name} stderr:\n{_tail(self._logs / f'{name}.err')}" for name in self._processes
        )

    def describe_exit(self, name: str) -> str:
        code = self._processes[name].returncode
        return (
            f"{name} exited early (code {code}); stderr tail:\n{_tail(self._logs / f'{name}.err')}"
        )

    def stop(self, timeout: float = 20.0) -> list[str]:
        """SIGTERM each process; return a problem for any that exited early or had to be killed."""
        problems = [self.describe_exit(name) for name in self.exited()]
        for process in self._processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for name, process in self._processes.items():
            try:
                process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                problems.append(f"{name} ignored SIGTERM for {timeout:.0f} s and was killed")
        for handle in self._files:
            handle.close()
        return problems


# Kafka helpers ------------------------------------------------------------------------------


def _unprefixed(name: str) -> str:
    """A topic name without this process's own HUB_TOPIC_PREFIX (the run sets its own)."""
    return name.removeprefix(topics.PREFIX)


def _create_topics(bootstrap: str, names: list[str], partitions: int) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")
    try:
        brokers = len(admin.describe_cluster().get("brokers", [])) or 1
        replicas = min(brokers, 3)
        admin.create_topics(
            [NewTopic(name, partitions, replicas) for name in names], timeout_ms=30_000
        )
    finally:
        admin.close()


def _partitions(consumer: KafkaConsumer, names: list[str]) -> list[TopicPartition]:
    found = []
    for name in names:
        deadline = time.monotonic() + 10
        numbers = consumer.partitions_for_topic(name)
        while not numbers and time.monotonic() < deadline:
            time.sleep(0.2)
            numbers = consumer.partitions_for_topic(name)
        found += [TopicPartition(name, number) for number in sorted(numbers or ())]
    return found


class GroupLag:
    """Messages on some topics past a consumer group's committed offsets."""

    def __init__(self, bootstrap: str, group: str) -> None:
        self._group = group
        self._admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="hub-bench-alerts")

    def backlog(self, names: list[str]) -> int | None:
        """None while the group's coordinator cannot say (a new group, a fresh broker)."""
        try:
            committed = self._admin.list_group_offsets({self._group: None}).get(self._group, {})
        except KafkaError:
            return None
        ends: dict[TopicPartition, int] = self._consumer.end_offsets(
            _partitions(self._consumer, names)
        )
        return sum(
            max(end - (committed[tp].offset if tp in committed else 0), 0)
            for tp, end in ends.items()
        )

    def close(self) -> None:
        self._consumer.close()
        self._admin.close()


# Load, probes and baseline ------------------------------------------------------------------


class BackgroundLoad(threading.Thread):
    """Publishes pre-encoded messages at ``rate`` per second until stopped."""

    def __init__(
        self, bootstrap: str, topic: str, messages: list[tuple[bytes, bytes]], rate: float
    ) -> None:
        super().__init__(name="bench-background", daemon=True)
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, **LOAD_PRODUCER)
        self._topic = topic
        self._messages = messages
        self._rate = rate
        self._halt = threading.Event()
        self.sent = 0
        self.seconds = 0.0

    def run(self) -> None:
        started = time.perf_counter()
        while not self._halt.is_set() and self.sent < len(self._messages) and self._rate > 0:
            due = min(int((time.perf_counter() - started) * self._rate) + 1, len(self._messages))
            while self.sent < due:
                key, value = self._messages[self.sent]
                self._producer.send(self._topic, key=key, value=value)
                self.sent += 1
            self._halt.wait(0.005)
        self.seconds = time.perf_counter() - started
        self._producer.flush()
        self._producer.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()


class KafkaBaseline(threading.Thread):
    """Pings a spare topic: produce one message, time until this consumer reads it."""

    def __init__(self, bootstrap: str, topic: str, interval: float) -> None:
        super().__init__(name="bench-baseline", daemon=True)
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, **PROBE_PRODUCER)
        self._consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        partition = TopicPartition(topic, 0)
        self._consumer.assign([partition])
        self._consumer.seek_to_end(partition)
        self._consumer.position(partition)
        self._topic = topic
        self._interval = interval
        self._halt = threading.Event()
        self.latencies_ms: list[float] = []

    def run(self) -> None:
        number = 0
        while not self._halt.is_set():
            token = f"{number}".encode()
            started = time.perf_counter()
            self._producer.send(self._topic, value=token, partition=0)
            seen = False
            while not seen and time.perf_counter() - started < 10:
                for records in self._consumer.poll(timeout_ms=100).values():
                    seen = seen or any(record.value == token for record in records)
            if seen:
                self.latencies_ms.append((time.perf_counter() - started) * 1000)
            number += 1
            self._halt.wait(self._interval)
        self._producer.close()
        self._consumer.close()

    def stop(self) -> None:
        self._halt.set()
        self.join()


@dataclass
class Probe:
    nhs_number: str
    event_id: str
    sent: float
    acked: float


def _a1_arrivals(mailbox: TimedMailbox, headline: str) -> dict[str, float]:
    """First arrival time of an A1 email per NHS number."""
    first: dict[str, float] = {}
    for message in mailbox.snapshot():
        if message.nhs_number and message.subject.endswith(headline):
            first.setdefault(message.nhs_number, message.at)
    return first


# Stage breakdown (after the run) ------------------------------------------------------------


def _alert_times(bootstrap: str, topic: str, wanted: set[str]) -> dict[str, float]:
    """When each A1 alert about ``wanted`` NHS numbers was published (record timestamp)."""
    codec = SingleObjectCodec(default_catalogue())
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    found: dict[str, float] = {}
    try:
        partitions = _partitions(consumer, [topic])
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        deadline = time.monotonic() + 30
        while (
            any(consumer.position(tp) < ends[tp] for tp in partitions)
            and time.monotonic() < deadline
        ):
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    alert = codec.decode(record.value).record
                    if alert["rule_id"] == A1_RULE and alert["nhs_number"] in wanted:
                        found.setdefault(alert["nhs_number"], record.timestamp / 1000)
    finally:
        consumer.close()
    return found


def _stored_times(data_dir: Path, bootstrap: str, probes: list[Probe]) -> dict[str, float]:
    """When the worker recorded each probe's chronology entry (its event's timestamp)."""
    app = build_application(Settings(data_dir=data_dir, kafka_bootstrap=bootstrap))
    found: dict[str, float] = {}
    try:
        for probe in probes:
            child = app.find_child(f"nhs/{probe.nhs_number}")
            for domain_event in app.events.get(child.id):
                entry = getattr(domain_event, "entry", None)
                if isinstance(entry, dict) and entry.get("event_id") == probe.event_id:
                    moment: datetime = getattr(domain_event, "timestamp")  # noqa: B009
                    found[probe.nhs_number] = moment.timestamp()
                    break
    finally:
        app.close()
    return found


STAGES = (
    "ingest (publish -> stored)",
    "raise+publish (-> hub.alerts)",
    "deliver (hub.alerts -> SMTP)",
)


def _stages(
    probes: list[Probe],
    stored: dict[str, float],
    published: dict[str, float],
    emailed: dict[str, float],
) -> dict[str, list[float]]:
    ingest, raise_publish, deliver = [], [], []
    for probe in probes:
        nhs = probe.nhs_number
        if nhs in stored and nhs in published and nhs in emailed:
            ingest.append((stored[nhs] - probe.sent) * 1000)
            raise_publish.append((published[nhs] - stored[nhs]) * 1000)
            deliver.append((emailed[nhs] - published[nhs]) * 1000)
    return dict(zip(STAGES, (ingest, raise_publish, deliver), strict=True))


# The benchmark ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _smtp_server() -> Iterator[tuple[TimedMailbox, int]]:
    mailbox = TimedMailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class Measured:
    """What the measurement phase saw, before the stage breakdown."""

    probes: list[Probe] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    other_emails: int = 0
    background_sent: int = 0
    background_seconds: float = 0.0
    baseline_ms: list[float] = field(default_factory=list)
    backlog: int | None = None
    cpu_percent: dict[str, float] = field(default_factory=dict)
    load_average: float | None = None


class AlertsBench:
    """One run: its topics, data directory, children and the hub's processes."""

    def __init__(
        self,
        bootstrap: str,
        root: Path,
        *,
        children: int,
        seconds: float,
        probe_interval: float,
        background_rate: float,
        seed: int,
    ) -> None:
        if children <= WARM_UPS:
            raise ValueError(f"children must be more than {WARM_UPS} (the warm-up probes)")
        self.bootstrap = bootstrap
        self.root = root
        self.seconds = seconds
        self.probe_interval = probe_interval
        self.background_rate = background_rate
        self.run_id = uuid.uuid4().hex[:8]
        self.prefix = f"benchalerts{self.run_id}."
        self.group = f"{self.prefix}hub"
        self.codec = SingleObjectCodec(default_catalogue())
        self.headline = next(r.headline for r in load_alert_rules().rules if r.id == A1_RULE)
        self.data_dir = root / "data"
        self.load: list[tuple[bytes, bytes]] = []  # encoded during set-up
        self.notes: list[str] = []
        self.people = population(children, seed)
        self.warm_ups = self.people[:WARM_UPS]
        wanted = int(seconds / probe_interval)
        self.probed = self.people[WARM_UPS : WARM_UPS + wanted]
        self.limit_reason = (
            f"{wanted} wanted; each of the {children - WARM_UPS} children is probed once"
            if len(self.probed) < wanted
            else None
        )

    def topic(self, name: str) -> str:
        return f"{self.prefix}{_unprefixed(name)}"

    @property
    def baseline_topic(self) -> str:
        return f"{self.prefix}bench.baseline"

    def run(self) -> AlertsBenchResult:
        hub_topics = [
            *topics.AGENCY_TOPICS,
            topics.ALERTS,
            topics.ALERTS_DEAD_LETTER,
            topics.DEAD_LETTER,
            topics.ACCESS_TO_SERVICE,
        ]
        _create_topics(self.bootstrap, [self.topic(name) for name in hub_topics], partitions=4)
        _create_topics(self.bootstrap, [self.baseline_topic], partitions=1)
        visible = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id="hub-bench-alerts")
        _partitions(visible, [self.topic(name) for name in hub_topics])  # metadata is out
        visible.close()
        self.data_dir.mkdir()
        (self.root / "organisations.csv").write_text(ORGANISATIONS, encoding="utf-8")
        (self.root / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
        with _smtp_server() as (mailbox, smtp_port):
            env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
            env.update(
                HUB_DATA_DIR=str(self.data_dir),
                HUB_TOPIC_PREFIX=self.prefix,
                HUB_KAFKA_BOOTSTRAP=self.bootstrap,
                HUB_CONSUMER_GROUP=self.group,
                HUB_SMTP_HOST="127.0.0.1",
                HUB_SMTP_PORT=str(smtp_port),
                HUB_SMTP_STARTTLS="0",
                PYTHONUNBUFFERED="1",
            )
            hub = HubProcesses(env, self.root)
            hub.run_once("reference", "organisations", str(self.root / "organisations.csv"))
            # Also creates the event store: the worker and the raiser starting together on
            # an empty data directory race to create its tables (and one can crash).
            hub.run_once("reference", "schools", str(self.root / "schools.csv"))
            hub.start()
            try:
                self.set_up(hub, mailbox)
                measured = self.measure(hub, mailbox)
            except Exception as error:
                tails = hub.tails()
                hub.stop()
                raise RuntimeError(f"alerts bench: {error}\n{tails}") from error
            except BaseException:
                hub.stop()
                raise
            problems = hub.stop()
            stages: dict[str, list[float]] = {}
            with suppress(Exception):  # a bonus: never lose the main figures over it
                wanted = {probe.nhs_number for probe in measured.probes}
                published = _alert_times(self.bootstrap, self.topic(topics.ALERTS), wanted)
                stored = _stored_times(self.data_dir, self.bootstrap, measured.probes)
                emailed = _a1_arrivals(mailbox, self.headline)
                stages = _stages(measured.probes, stored, published, emailed)
        return AlertsBenchResult(
            children=len(self.people),
            probe_interval=self.probe_interval,
            background_target=self.background_rate,
            background_sent=measured.background_sent,
            background_seconds=measured.background_seconds,
            probes_sent=len(measured.probes),
            probe_limit_reason=self.limit_reason,
            latencies_ms=measured.latencies_ms,
            ack_ms=[(p.acked - p.sent) * 1000 for p in measured.probes],
            other_emails=measured.other_emails,
            baseline_ms=measured.baseline_ms,
            stages_ms=stages,
            ingest_backlog=measured.backlog,
            cpu_percent=measured.cpu_percent,
            load_average=measured.load_average,
            problems=self.notes + problems,
        )

    def _wait_for(
        self, condition: Callable[[], bool], timeout: float, hub: HubProcesses, what: str
    ) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if hub.exited():
                raise RuntimeError(f"{what}: {hub.exited()[0]} exited")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what}: not done after {timeout:.0f} s")
            time.sleep(0.1)

    def _await_assignment(self, hub: HubProcesses, attempts: int = 3) -> None:
        """Restart a worker left without partitions (kafka-python 3.0, seen in this bench).

        ``hub run`` only rejoins its group when run ``--until-idle`` (worker.py,
        REJOIN_AFTER_S); a live worker can wait for ever with an empty assignment.
        """
        for attempt in range(1, attempts + 1):
            try:
                self._wait_for(
                    lambda: hub.logged("worker", "partition_assigned"),
                    20,
                    hub,
                    "the worker's partitions",
                )
                return
            except RuntimeError:
                if attempt == attempts or hub.exited():
                    raise
                self.notes.append(
                    "the worker had no partitions 20 s after it started and was restarted"
                )
                hub.restart("worker")

    def _encoded(self, event: OutboundEvent) -> tuple[bytes, bytes]:
        return event.key.encode(), self.codec.encode(event.schema_name, event.record)

    def set_up(self, hub: HubProcesses, mailbox: TimedMailbox) -> None:
        """Every child on a plan, committed by the worker; warm-up probes delivered."""
        now = datetime.now(UTC)
        plans = KafkaProducer(bootstrap_servers=self.bootstrap, **LOAD_PRODUCER)
        for child in self.people:
            key, value = self._encoded(plan_started(child, self.run_id, now))
            plans.send(self.topic(topics.CHILDRENS_SOCIAL_CARE), key=key, value=value)
        plans.flush()
        plans.close()
        # Encode the load now, while the hub ingests the plans (about 0.25 ms an event).
        total = int(self.background_rate * (RAMP_SECONDS + self.seconds + 5))
        rng = random.Random(self.run_id)
        first = rng.sample(self.people, len(self.people))  # each child's school known early
        self.load = [
            self._encoded(
                authorised_absence(
                    first[n] if n < len(first) else rng.choice(self.people), n, self.run_id, now
                )
            )
            for n in range(total)
        ]
        self._await_assignment(hub)
        cp_topics = [self.topic(topics.CHILDRENS_SOCIAL_CARE)]
        lag = GroupLag(self.bootstrap, self.group)
        try:
            self._wait_for(lambda: lag.backlog(cp_topics) == 0, 180, hub, "ingesting the plans")
        finally:
            lag.close()
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, **PROBE_PRODUCER)
        try:
            for number, child in enumerate(self.warm_ups):
                key, value = self._encoded(arrival(child, f"W{self.run_id}-{number}", now))
                producer.send(self.topic(topics.EMERGENCY_CARE), key=key, value=value)
                producer.flush()

                def delivered(nhs: str = child.nhs_number) -> bool:
                    return nhs in _a1_arrivals(mailbox, self.headline)

                self._wait_for(delivered, 120, hub, "a warm-up alert email")
        finally:
            producer.close()

    def measure(self, hub: HubProcesses, mailbox: TimedMailbox) -> Measured:
        """Background load, a ramp, then the probes; wait for their alerts."""
        measured = Measured()
        producer = KafkaProducer(bootstrap_servers=self.bootstrap, **PROBE_PRODUCER)
        baseline = KafkaBaseline(self.bootstrap, self.baseline_topic, BASELINE_INTERVAL)
        background = BackgroundLoad(
            self.bootstrap, self.topic(topics.SCHOOL), self.load, self.background_rate
        )
        background.start()
        time.sleep(RAMP_SECONDS)
        baseline.start()
        seen_before = len(mailbox.snapshot())
        cpu_before = hub.cpu()
        started = time.perf_counter()
        ae_topic = self.topic(topics.EMERGENCY_CARE)
        try:
            for number, child in enumerate(self.probed):
                pause = started + number * self.probe_interval - time.perf_counter()
                if pause > 0:
                    time.sleep(pause)
                if hub.exited():
                    break
                event = arrival(child, f"P{self.run_id}-{number}", datetime.now(UTC))
                key, value = self._encoded(event)
                sent = time.time()
                producer.send(ae_topic, key=key, value=value).get(timeout=30)
                measured.probes.append(Probe(child.nhs_number, event.event_id, sent, time.time()))
            pause = started + len(self.probed) * self.probe_interval - time.perf_counter()
            if pause > 0 and not hub.exited():
                time.sleep(pause)
            elapsed = time.perf_counter() - started
            cpu_after = hub.cpu()
            with suppress(OSError):
                measured.load_average = os.getloadavg()[0]
        finally:
            baseline.stop()
            background.stop()
            producer.close()
        with suppress(Exception):
            lag = GroupLag(self.bootstrap, self.group)
            measured.backlog = lag.backlog([self.topic(name) for name in topics.AGENCY_TOPICS])
            lag.close()
        by_nhs = {probe.nhs_number: probe for probe in measured.probes}
        deadline = time.monotonic() + GRACE_SECONDS
        while time.monotonic() < deadline and not hub.exited():
            if set(by_nhs) <= set(_a1_arrivals(mailbox, self.headline)):
                break
            time.sleep(0.2)
        time.sleep(0.5)  # anything unexpected that follows the last alert
        emailed = _a1_arrivals(mailbox, self.headline)
        measured.latencies_ms = [
            (emailed[nhs] - probe.sent) * 1000 for nhs, probe in by_nhs.items() if nhs in emailed
        ]
        measured.other_emails = sum(
            1
            for m in mailbox.snapshot()[seen_before:]
            if not (m.nhs_number in by_nhs and m.subject.endswith(self.headline))
        )
        measured.background_sent = background.sent
        measured.background_seconds = background.seconds
        measured.baseline_ms = baseline.latencies_ms
        measured.cpu_percent = {
            name: (cpu_after[name] - cpu_before[name]) / elapsed * 100
            for name in cpu_after
            if name in cpu_before
        }
        return measured


def run_alerts_bench(
    bootstrap: str,
    *,
    children: int,
    seconds: float,
    probe_interval: float,
    background_rate: float,
    work_dir: Path | None = None,
    seed: int = 6,
) -> AlertsBenchResult:
    """Run the pipeline on a fresh topic prefix and data directory; see the module docstring.

    ``work_dir`` keeps the data directory and the processes' logs (default: a temporary
    directory, removed afterwards).
    """

    def bench(root: Path) -> AlertsBench:
        return AlertsBench(
            bootstrap,
            root,
            children=children,
            seconds=seconds,
            probe_interval=probe_interval,
            background_rate=background_rate,
            seed=seed,
        )

    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
        return bench(work_dir).run()
    with tempfile.TemporaryDirectory(prefix="hub-bench-alerts-") as directory:
        return bench(Path(directory)).run()
