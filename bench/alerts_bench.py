"""``hub bench alerts``: latency from an agency's publish to the alert email, under ingest load.

An alert should reach the lead practitioner quickly (goal: p99 under one second;
requirement F1 in docs/requirements.md). The benchmark runs the real pipeline as
separate processes on a fresh topic prefix and data directory:

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

import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer

from adapters.records import OutboundEvent
from bench.alerts_events import ORGANISATIONS, SCHOOLS, arrival, authorised_absence, plan_started
from bench.alerts_load import LOAD_PRODUCER, PROBE_PRODUCER, BackgroundLoad, KafkaBaseline
from bench.alerts_result import GRACE_SECONDS, AlertsBenchResult
from bench.alerts_stages import (
    A1_RULE,
    Measured,
    Probe,
    a1_arrivals,
    alert_times,
    stages_of,
    stored_times,
)
from bench.hub_processes import HubProcesses
from bench.kafka_admin import GroupLag, create_topics, topic_partitions
from bench.mailbox import TimedMailbox, smtp_server
from hub import topics
from hub.alerts.rules_loader import load_alert_rules
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from synthetic.population import ALONE, Person, bench_population

WARM_UPS = 2
RAMP_SECONDS = 3.0  # background load before the first probe
BASELINE_INTERVAL = 0.1
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


def population(count: int, seed: int) -> list[Person]:
    """The benchmark's children, each alone at home; the same ``count`` and ``seed``, the same."""
    return bench_population(count, seed, ALONE).people()


def _unprefixed(name: str) -> str:
    """A topic name without this process's own HUB_TOPIC_PREFIX (the run sets its own)."""
    return name.removeprefix(topics.PREFIX)


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
        create_topics(self.bootstrap, [self.topic(name) for name in hub_topics], partitions=4)
        create_topics(self.bootstrap, [self.baseline_topic], partitions=1)
        visible = KafkaConsumer(bootstrap_servers=self.bootstrap, client_id="hub-bench-alerts")
        topic_partitions(visible, [self.topic(name) for name in hub_topics])  # metadata is out
        visible.close()
        self.data_dir.mkdir()
        (self.root / "organisations.csv").write_text(ORGANISATIONS, encoding="utf-8")
        (self.root / "schools.csv").write_text(SCHOOLS, encoding="utf-8")
        with smtp_server() as (mailbox, smtp_port):
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
                published = alert_times(self.bootstrap, self.topic(topics.ALERTS), wanted)
                stored = stored_times(self.data_dir, self.bootstrap, measured.probes)
                emailed = a1_arrivals(mailbox, self.headline)
                stages = stages_of(measured.probes, stored, published, emailed)
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
                    return nhs in a1_arrivals(mailbox, self.headline)

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
            if set(by_nhs) <= set(a1_arrivals(mailbox, self.headline)):
                break
            time.sleep(0.2)
        time.sleep(0.5)  # anything unexpected that follows the last alert
        emailed = a1_arrivals(mailbox, self.headline)
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
