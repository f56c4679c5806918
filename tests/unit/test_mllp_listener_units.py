"""The MLLP listener with a fake publisher: ordering, failures, and input that must not hurt it."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from adapters.mllp import frame
from adapters.records import OutboundEvent
from tests.fixtures.mllp import END, ListenerThread, a04, ack_fields


class FakePublisher:
    """Records what it is given; ``fail`` makes it raise as an unreachable cluster would."""

    def __init__(self) -> None:
        self.published: list[str] = []
        self.fail = False

    async def publish(self, event: OutboundEvent) -> bool:
        await asyncio.sleep(0)
        if self.fail:
            raise ConnectionError("no broker")
        reference = str(event.record["envelope"]["record_reference"])
        if reference in self.published:
            return False
        self.published.append(reference)
        return True


@pytest.fixture
def served(tmp_path: Path) -> Iterator[ListenerThread]:
    listener = ListenerThread(FakePublisher, tmp_path / "rejects.jsonl")
    try:
        yield listener
    finally:
        listener.stop()


def _exchange(port: int, data: bytes, answers: int) -> list[dict[str, str]]:
    """Send ``data`` on a fresh connection and read ``answers`` framed ACKs."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        received = b""
        while received.count(END) < answers:
            chunk = conn.recv(65536)
            assert chunk, f"connection closed after {received!r}"
            received += chunk
    return [ack_fields(part + END) for part in received.split(END) if part]


def test_pipelined_messages_are_acked_in_the_order_sent(served: ListenerThread) -> None:
    """Fifty frames in one write: fifty ACKs, MSA-2 in the order the messages came."""
    data = b"".join(frame(a04(f"V{n}", f"C{n}").encode()) for n in range(50))
    acks = _exchange(served.port, data, 50)
    assert [f"C{n}" for n in range(50)] == [ack["MSA-2"] for ack in acks]
    assert {"AA"} == {ack["MSA-1"] for ack in acks}


def test_a_publish_failure_is_answered_ar_so_the_sender_retries(served: ListenerThread) -> None:
    """When the event cannot be stored the ACK is AR (207); nothing is counted published."""
    served.publisher.fail = True
    [ack] = _exchange(served.port, frame(a04("V1", "C1").encode()), 1)
    assert ("AR", "C1") == (ack["MSA-1"], ack["MSA-2"])
    assert ack["ERR-3"].startswith("207^")
    assert 0 == served.counts()["published"]


def test_a_frame_holding_two_messages_is_rejected_whole(served: ListenerThread) -> None:
    """One frame, two messages: AR, and neither is published."""
    [ack] = _exchange(served.port, frame((a04("V1", "C1") + a04("V2", "C2")).encode()), 1)
    assert "AR" == ack["MSA-1"]
    assert [] == served.publisher.published


def test_text_that_is_not_utf8_is_rejected_with_an_ack(served: ListenerThread) -> None:
    """Bytes that are not UTF-8 still get an ACK (AR), with the control id when readable."""
    [ack] = _exchange(served.port, frame(a04("V1", "C1").encode().replace(b"ALEX", b"\xff")), 1)
    assert ("AR", "C1") == (ack["MSA-1"], ack["MSA-2"])


@pytest.mark.parametrize(
    "junk",
    [
        b"\x0b\x1c\r",
        b"\x0bMSH\x1c\r",
        b"\x0b|||\r\x1c\r",
        b"\x0bMSH|\x00\x1c\r",
        b"\x0b\xff\xfe\x1c\r",
    ],
)
def test_junk_frames_get_an_ack_and_the_listener_serves_on(
    served: ListenerThread, junk: bytes
) -> None:
    """Empty, truncated or binary frames are answered AE/AR; the next message gets AA."""
    bad, good = _exchange(served.port, junk + frame(a04("V7", "C7").encode()), 2)
    assert bad["MSA-1"] in ("AE", "AR")
    assert ("AA", "C7") == (good["MSA-1"], good["MSA-2"])


def test_rejections_are_kept_in_the_rejects_file(served: ListenerThread, tmp_path: Path) -> None:
    """A rejected message leaves a JSON line with its field and reason, as hub publish does."""
    bad = a04("V1", "C1").replace("|U\r", "|Q\r")
    [ack] = _exchange(served.port, frame(bad.encode()), 1)
    assert ("AE", "PID^1^8") == (ack["MSA-1"], ack["ERR-2"])
    kept = (tmp_path / "rejects.jsonl").read_text()
    assert '"field": "PID-8"' in kept
    assert "MSH-10 C1" in kept


def test_rejection_logs_name_the_field_not_its_value(served: ListenerThread) -> None:
    """The log of a rejected message has field and codes, not the value (a date of birth)."""
    bad = a04("V1", "C1").replace("|20150304|", "|20150231|")
    with structlog.testing.capture_logs() as logs:
        [ack] = _exchange(served.port, frame(bad.encode()), 1)
    assert "PID^1^7" == ack["ERR-2"]
    [event] = [e for e in logs if e["event"] == "mllp_message_rejected"]
    assert ("PID-7", "AE") == (event["field"], event["ack"])
    assert "20150231" not in repr(logs)


def _with_labels(message: str, *labels: str) -> str:
    return message + f"ZSG|first|N|N|N|N|{'~'.join(labels)}\r"


def test_an_undefined_label_is_accepted_with_a_warning_err_naming_zsg_6(
    served: ListenerThread, tmp_path: Path
) -> None:
    """As every format does, the message is published; the ACK is AA with a W ERR at ZSG-6."""
    message = _with_labels(a04("V1", "C1"), "shielded-address", "shieldd-address")
    [ack] = _exchange(served.port, frame(message.encode()), 1)
    assert ("AA", "ZSG^1^6", "W") == (ack["MSA-1"], ack["ERR-2"], ack["ERR-4"])
    assert ack["ERR-3"].startswith("103^")
    assert "'shieldd-address' is not defined by the sharing policy" in ack["ERR-7"]
    assert ["RXX01/V1/A04"] == [r.rsplit("/", 1)[0] for r in served.publisher.published]
    assert '"notice": true' in (tmp_path / "rejects.jsonl").read_text()
    assert 1 == served.counts()["with_notices"]


def test_defined_labels_are_acked_without_err(served: ListenerThread) -> None:
    """Labels the policy defines: a plain AA."""
    [ack] = _exchange(served.port, frame(_with_labels(a04("V1", "C1"), "child-voice").encode()), 1)
    assert ("AA", "") == (ack["MSA-1"], ack["ERR-2"])
