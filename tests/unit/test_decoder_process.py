"""Decoding in a helper process: facts cross intact, in order of need, and nothing is lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.registry import ADAPTERS
from hub.ingest import fact_wire
from hub.ingest.decoder_process import DecoderProcess, Rejected, decode_one
from hub.ingest.decoding import FactCodec
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.integration.hub_harness import generated_files
from tests.unit.test_generator_support import run

CODEC = SingleObjectCodec(default_catalogue())
LOCAL = FactCodec()


@pytest.fixture(scope="module")
def values(tmp_path_factory: pytest.TempPathFactory) -> list[bytes]:
    """Every event of a small generated population, as the adapters publish it."""
    out = run(tmp_path_factory.mktemp("generated"), children=600, days=8)
    encoded = []
    for agency, path in generated_files(out):
        for event in ADAPTERS[agency].read(path).events:
            encoded.append(CODEC.encode(event.schema_name, event.record))
    assert len(encoded) >= 400
    return encoded


def _bad_values(good: bytes) -> list[bytes]:
    return [b"", b"not avro at all", good[: len(good) // 2], good[:2] + bytes(8) + good[10:]]


def test_every_kind_of_fact_crosses_intact(values: list[bytes]) -> None:
    """Each agency's facts, flattened, marshalled and rebuilt, equal the originals."""
    facts = [LOCAL.decode_fact(value) for value in values]
    kinds = {fact.entry.kind.split("-")[0] for fact in facts if fact.entry is not None}
    assert kinds >= {"unscheduled", "school", "cp"}
    assert any(len(fact.subjects) > 1 for fact in facts), "a police notice about two children"
    assert any(fact.plan_change is not None for fact in facts)
    rebuilt = fact_wire.loads(fact_wire.dumps([fact_wire.flatten(fact) for fact in facts]))
    assert [fact_wire.unflatten(flat) for flat in rebuilt] == facts


def test_a_value_marshal_cannot_carry_is_refused() -> None:
    """Something that is not a plain value is an error, not a silent change."""
    with pytest.raises(ValueError):
        fact_wire.dumps([object()])


def test_the_helper_decodes_and_rejects_exactly_as_the_worker_would(values: list[bytes]) -> None:
    """Good and bad messages give the same facts and the same dead-letter reasons."""
    mixed = values[:200] + _bad_values(values[0]) + values[200:400]
    decoder = DecoderProcess(1)
    try:
        batches = [decoder.submit(mixed[i : i + 64], i) for i in range(0, len(mixed), 64)]
        received = [batch.get(i) for batch in batches for i in range(len(batch.values))]
    finally:
        decoder.close()
    expected = [decode_one(LOCAL, value) for value in mixed]
    assert received == expected
    assert [r.reason for r in received if isinstance(r, Rejected)] == [
        "not-single-object-encoding",
        "not-single-object-encoding",
        "corrupt-avro-body",
        "unknown-schema-fingerprint",
    ]


def test_batches_go_to_the_helper_in_order_of_need(values: list[bytes]) -> None:
    """A batch submitted later but needed sooner is handed over first.

    One needed before it was handed over is decoded by the worker itself.
    """
    decoder = DecoderProcess(1)
    decoder._limit = 1
    try:
        third = decoder.submit(values[0:10], order=3)
        second = decoder.submit(values[10:20], order=2)
        first = decoder.submit(values[20:30], order=1)
        assert third.future is not None and second.future is None and first.future is None
        third.get(0)
        assert first.future is not None, "the most needed waiting batch went next"
        assert second.future is None
        assert second.get(0) == decode_one(LOCAL, values[10])
        assert second.future is None, "decoded in the worker, not handed over"
        assert first.get(9) == decode_one(LOCAL, values[29])
    finally:
        decoder.close()


def test_a_dead_helper_costs_speed_not_data(values: list[bytes]) -> None:
    """If the helper dies, the worker decodes for itself and every fact still arrives."""
    decoder = DecoderProcess(1)
    try:
        decoder.submit(values[:5]).get(0)
        for process in list(decoder._executor._processes.values()):  # type: ignore[union-attr]
            process.kill()
            process.join()
        later = [decoder.submit(values[i : i + 50], i) for i in range(0, 200, 50)]
        received = [batch.get(i) for batch in later for i in range(50)]
    finally:
        decoder.close()
    assert received == [decode_one(LOCAL, value) for value in values[:200]]


HELPER_PARENT = """
import sys, time
from hub.ingest.decoder_process import DecoderProcess
if __name__ == "__main__":
    decoder = DecoderProcess(1)
    decoder.submit([b""]).get(0)
    print(*decoder._executor._processes, flush=True)
    time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # the process may be reaped between the two checks
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, ProcessLookupError):  # gone, or going, as it is read
        return False
    return state not in ("Z", "X")


def test_the_helper_exits_when_its_worker_is_killed(tmp_path: Path) -> None:
    """A worker killed with SIGKILL leaves no helper process behind."""
    script = tmp_path / "parent.py"
    script.write_text(HELPER_PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert parent.stdout is not None
        helpers = [int(pid) for pid in parent.stdout.readline().split()]
        assert helpers and all(_alive(pid) for pid in helpers)
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in helpers)
    finally:
        parent.kill()


def test_a_hung_helper_is_given_up_on(values: list[bytes], monkeypatch: pytest.MonkeyPatch) -> None:
    """A slice not back within the timeout is decoded by the worker; later ones too."""
    from hub.ingest import decoder_process

    decoder = DecoderProcess(1)
    try:
        # The helper is up (under the default timeout: starting it can take seconds on a
        # busy machine); only then is the timeout shortened for the hung slice.
        decoder.submit(values[:5]).get(0)
        monkeypatch.setattr(decoder_process, "HELPER_TIMEOUT_S", 0.5)
        helper = next(iter(decoder._executor._processes))  # type: ignore[union-attr]
        os.kill(helper, signal.SIGSTOP)
        stuck = decoder.submit(values[:50])
        assert stuck.future is not None
        assert [stuck.get(i) for i in range(50)] == [decode_one(LOCAL, v) for v in values[:50]]
        later = decoder.submit(values[50:60])
        assert later.future is None, "the hung helper gets no more work"
        assert later.get(3) == decode_one(LOCAL, values[53])
        deadline = time.monotonic() + 10
        while _alive(helper) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(helper), "the hung helper is stopped, not left behind"
    finally:
        decoder.close()
