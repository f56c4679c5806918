"""An SMTP server in this process that notes when each email arrived and which child it names."""

from __future__ import annotations

import email
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiosmtpd.controller import Controller

NHS_IN_BODY = re.compile(r"NHS number (\d{10})")


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def smtp_server() -> Iterator[tuple[TimedMailbox, int]]:
    mailbox = TimedMailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()
