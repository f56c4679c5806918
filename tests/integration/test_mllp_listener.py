"""The A&E MLLP listener on the real broker, driven by a third-party MLLP client.

The client is python-hl7's ``hl7.client.MLLPClient`` (PyPI ``hl7``), and its parser
reads the ACKs back, so both the framing and the ACK's HL7 are checked by code we did
not write. Each test publishes to a topic of its own, with a ledger of its own.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hl7
import pytest
from hl7.client import MLLPClient

from adapters.stream_publisher import StreamPublisher
from hub.wire.catalogue import default_catalogue
from hub.wire.codec import SingleObjectCodec
from tests.fixtures.mllp import START, ListenerThread, a04
from tests.integration.kafka_reading import read_all

CODEC = SingleObjectCodec(default_catalogue())


@pytest.fixture
def served(kafka_bootstrap: str, tmp_path: Path) -> Iterator[tuple[ListenerThread, str]]:
    """A listener publishing to a fresh topic, and that topic's name."""
    topic = f"test-mllp-{uuid.uuid4().hex[:12]}"
    listener = ListenerThread(
        lambda: StreamPublisher(kafka_bootstrap, tmp_path / "ledger.sqlite", topic),
        tmp_path / "rejects.jsonl",
    )
    try:
        yield listener, topic
    finally:
        listener.stop()


def _ack(raw: bytes) -> Any:
    """The ACK as python-hl7 parses it (framing stripped)."""
    assert raw.startswith(START), raw
    return hl7.parse(raw.strip(b"\x0b\x1c\r").decode())


def _field(message: Any, segment: str, number: int) -> str:
    return str(message.segment(segment)[number])


def _references(bootstrap: str, topic: str) -> list[str]:
    """``<site>/<visit>/<trigger>`` of each event on the topic (its reference less the digest)."""
    return [
        CODEC.decode(record.value).record["envelope"]["record_reference"].rsplit("/", 1)[0]
        for record in read_all(bootstrap, topic, timeout_s=60)
    ]


def _discharge(visit: str, control: str, trigger: str, recorded: str, discharged: str) -> str:
    """An A03 (or, with ``trigger`` A13, its cancellation) of the visit ``a04`` registered."""
    structure = "ADT_A03" if trigger == "A03" else "ADT_A01"
    return (
        a04(visit, control)
        .replace("ADT^A04^ADT_A01", f"ADT^{trigger}^{structure}")
        .replace("EVN|A04|20261101081500+0000", f"EVN|{trigger}|{recorded}+0000")
        .replace("20261101081000+0000\r", f"20261101081000+0000|{discharged}+0000\r")
    )


def test_good_messages_are_acked_aa_and_published_once(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """Each good message gets AA with its control id in MSA-2, and is on the topic once."""
    listener, topic = served
    with MLLPClient("127.0.0.1", listener.port) as client:
        acks = [_ack(client.send_message(a04(f"V{n}", f"C{n}"))) for n in range(3)]
    assert ["AA"] * 3 == [_field(ack, "MSA", 1) for ack in acks]
    assert ["C0", "C1", "C2"] == [_field(ack, "MSA", 2) for ack in acks]
    assert "ACK^A04^ACK" == _field(acks[0], "MSH", 9)
    assert ["RXX01/V0/A04", "RXX01/V1/A04", "RXX01/V2/A04"] == sorted(
        _references(kafka_bootstrap, topic)
    )


def test_malformed_message_is_answered_ae_with_err_naming_the_field(
    served: tuple[ListenerThread, str], kafka_bootstrap: str, tmp_path: Path
) -> None:
    """A message without its arrival time gets AE, ERR-2 PV1^1^44, ERR-3 101; no event."""
    listener, topic = served
    bad = a04("V9", "BAD1").replace("20261101081000+0000", "")
    with MLLPClient("127.0.0.1", listener.port) as client:
        ack = _ack(client.send_message(bad))
        good = _ack(client.send_message(a04("V10", "GOOD1")))
    assert ("AE", "BAD1") == (_field(ack, "MSA", 1), _field(ack, "MSA", 2))
    assert "PV1^1^44" == _field(ack, "ERR", 2)
    assert _field(ack, "ERR", 3).startswith("101^")
    assert "PV1-44: required field is missing" == _field(ack, "ERR", 8)
    assert "AA" == _field(good, "MSA", 1)
    assert ["RXX01/V10/A04"] == _references(kafka_bootstrap, topic)
    assert "PV1-44" in (tmp_path / "rejects.jsonl").read_text()


def test_unsupported_trigger_is_answered_ar(served: tuple[ListenerThread, str]) -> None:
    """An ADT trigger the feed does not take (A99) is rejected, AR with ERR-3 201."""
    listener, _ = served
    with MLLPClient("127.0.0.1", listener.port) as client:
        ack = _ack(client.send_message(a04("V11", "C11").replace("ADT^A04", "ADT^A99")))
    assert "AR" == _field(ack, "MSA", 1)
    assert _field(ack, "ERR", 3).startswith("201^")


def test_duplicate_is_acked_aa_without_a_second_publish(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """The same A04 re-sent (a new control id, as engines do) is AA and published once."""
    listener, topic = served
    with MLLPClient("127.0.0.1", listener.port) as client:
        first = _ack(client.send_message(a04("V20", "C20")))
        again = _ack(client.send_message(a04("V20", "C20-RESENT")))
    assert ("AA", "AA") == (_field(first, "MSA", 1), _field(again, "MSA", 1))
    assert "C20-RESENT" == _field(again, "MSA", 2)
    assert ["RXX01/V20/A04"] == _references(kafka_bootstrap, topic)
    assert (1, 1) == (listener.counts()["published"], listener.counts()["duplicates"])


def test_a_discharge_after_a_cancelled_one_is_published_and_its_resend_is_not(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """A04, A03, A13, then a new A03: all AA and all published; that A03 re-sent is not."""
    listener, topic = served
    messages = [
        a04("V50", "C50"),
        _discharge("V50", "C51", "A03", "20261101093000", "20261101092500"),
        _discharge("V50", "C52", "A13", "20261101094000", "20261101092500"),
        _discharge("V50", "C53", "A03", "20261101110000", "20261101105500"),
        _discharge("V50", "C53-RESENT", "A03", "20261101110000", "20261101105500"),
    ]
    with MLLPClient("127.0.0.1", listener.port) as client:
        codes = [_field(_ack(client.send_message(m)), "MSA", 1) for m in messages]
    assert ["AA"] * 5 == codes
    assert ["RXX01/V50/A03", "RXX01/V50/A03", "RXX01/V50/A04", "RXX01/V50/A13"] == sorted(
        _references(kafka_bootstrap, topic)
    )
    assert (4, 1) == (listener.counts()["published"], listener.counts()["duplicates"])


def test_same_message_from_two_connections_at_once_is_published_once(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """Two senders racing with one message both get AA; the topic holds it once."""
    listener, topic = served
    answers: list[str] = []

    def send() -> None:
        with MLLPClient("127.0.0.1", listener.port) as client:
            answers.append(_field(_ack(client.send_message(a04("V30", "C30"))), "MSA", 1))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert ["AA"] * 4 == answers
    assert ["RXX01/V30/A04"] == _references(kafka_bootstrap, topic)


def test_connection_dropped_mid_message_publishes_nothing_and_others_are_served(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """Half a frame then a closed socket: nothing of it is published; the next client gets AA."""
    listener, topic = served
    partial = a04("V40", "C40").encode()
    with socket.create_connection(("127.0.0.1", listener.port)) as raw:
        raw.sendall(START + partial[: len(partial) // 2])
    with MLLPClient("127.0.0.1", listener.port) as client:
        ack = _ack(client.send_message(a04("V41", "C41")))
    assert "AA" == _field(ack, "MSA", 1)
    deadline = time.monotonic() + 10
    while listener.counts()["cut_short"] < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert 1 == listener.counts()["cut_short"]
    assert ["RXX01/V41/A04"] == _references(kafka_bootstrap, topic)


def test_ten_thousand_messages_in_a_row_over_one_connection(
    served: tuple[ListenerThread, str], kafka_bootstrap: str
) -> None:
    """10,000 distinct A04s, one after another on one connection: all AA, all on the topic."""
    listener, topic = served
    count = 10_000
    codes: dict[str, int] = {}
    with MLLPClient("127.0.0.1", listener.port) as client:
        for n in range(count):
            ack = _ack(client.send_message(a04(f"W{n}", f"K{n}")))
            code = _field(ack, "MSA", 1)
            codes[code] = codes.get(code, 0) + 1
    assert {"AA": count} == codes
    references = _references(kafka_bootstrap, topic)
    assert count == len(references) == len(set(references))
