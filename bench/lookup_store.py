"""The lookup benchmark's event store: loaded through the hub application, or reused.

The population's events are encoded and fed to ``HubApplication.ingest`` in chunks (no
Kafka). A ``--data-dir`` that already holds a store of the same children and seed is
reused: the marker file ``bench-lookup.json`` says what it holds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench.lookup_events import population_events
from bench.lookup_population import POPULATION, Population
from hub.application.hub_app import InboundMessage
from hub.bootstrap import build_application
from hub.config import Settings
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec

MARKER = "bench-lookup.json"
TOPIC = "bench.lookup"


@dataclass(frozen=True)
class LoadReport:
    children: int
    events: int
    seconds: float
    loaded_on: str
    reused: bool
    new_children: int
    queued_for_review: int

    def to_json(self) -> dict[str, Any]:
        return {
            "children": self.children,
            "events": self.events,
            "seconds": round(self.seconds, 1),
            "loaded_on": self.loaded_on,
            "new_children": self.new_children,
            "queued_for_review": self.queued_for_review,
        }


def load_store(
    settings: Settings, population: Population, seed: int, chunk: int = 2000
) -> LoadReport:
    """Ingest the population with a worker-mode application, ``chunk`` messages at a time."""
    today = datetime.now(UTC).date()
    codec = SingleObjectCodec(default_catalogue())
    facts = FactCodec()
    app = build_application(settings, worker=True)
    started = time.perf_counter()
    events = new_children = review = 0
    batch: list[InboundMessage] = []

    def flush() -> None:
        nonlocal new_children, review
        report = app.ingest(batch, None)
        new_children += report.new_children
        review += report.queued_for_review
        batch.clear()

    try:
        for event in population_events(population, today, seed):
            value = codec.encode(event.schema_name, event.record)
            batch.append(InboundMessage(TOPIC, 0, events, value, facts.decode_fact(value)))
            events += 1
            if len(batch) >= chunk:
                flush()
                if events % (chunk * 25) < chunk:
                    elapsed = time.perf_counter() - started
                    print(
                        f"  loading: {new_children:,} children, {events:,} events, {elapsed:.0f} s",
                        flush=True,
                    )
        if batch:
            flush()
    finally:
        app.close()
    seconds = time.perf_counter() - started
    return LoadReport(
        population.size, events, seconds, today.isoformat(), False, new_children, review
    )


def prepare_store(settings: Settings, population: Population, seed: int) -> LoadReport:
    """Load the population unless the data directory already holds it (see ``MARKER``)."""
    marker = settings.data_dir / MARKER
    if marker.exists():
        held = json.loads(marker.read_text(encoding="utf-8"))
        if held.get("children") != population.size or held.get("seed") != seed:
            raise SystemExit(
                f"{settings.data_dir} holds {held.get('children')} children (seed "
                f"{held.get('seed')}), not {population.size} (seed {seed}): use another --data-dir"
            )
        if held.get("population") != POPULATION:
            raise SystemExit(
                f"{settings.data_dir} holds children of {held.get('population', 'an earlier')} "
                f"population, not {POPULATION}: use another --data-dir"
            )
        return LoadReport(
            held["children"],
            held["events"],
            held["seconds"],
            held["loaded_on"],
            True,
            held.get("new_children", 0),
            held.get("queued_for_review", 0),
        )
    if (settings.data_dir / "hub.sqlite").exists():
        raise SystemExit(
            f"{settings.data_dir} holds a store without {MARKER} (an interrupted load?): "
            "remove it or use another --data-dir"
        )
    report = load_store(settings, population, seed)
    marker.write_text(
        json.dumps({**report.to_json(), "seed": seed, "population": POPULATION}, indent=2) + "\n",
        encoding="utf-8",
    )
    return report
