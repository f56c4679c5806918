"""An MLLP listener: HL7 v2 messages in over TCP, each answered with an ACK once stored.

Each connection is read as a stream of MLLP frames (``adapters.mllp``); each frame must
hold one HL7 message, which goes through the same adapter code as ``hub publish`` (the
``parse`` function given: for A&E, ``emergency_care.parse_hl7``). A good message is
published (``StreamPublisher``) and answered ``AA`` only after the cluster acknowledged
it; one already published (a re-send: same record reference) is answered ``AA`` without
a second publish; a bad one is answered ``AE`` or ``AR`` with an ``ERR`` naming the
field (``adapters.hl7_ack``) and kept as ``hub publish --rejects`` keeps it, a JSON line
in the rejects file. If the hub cannot store a good message it answers ``AR`` (code 207),
so the sender sends it again. A message the adapter publishes with a notice (a ZSG-6
label the sharing policy does not define, as ``hub publish`` reports one) is answered
``AA`` with a warning ``ERR`` (severity ``W``) naming the field, and the notice is kept in
the rejects file too, marked ``"notice": true``.

Connections are served concurrently; on one connection the ACKs are written in the order
the messages came, and a client may send several messages before reading their ACKs. A
connection closed mid-message leaves the partial message unparsed and unpublished;
messages already complete on it are still published (their ACKs have nowhere to go, and
the sender's re-send is answered ``AA`` as a duplicate). Nothing a client sends stops the
listener: every failure is confined to its message or its connection.

Logs carry the peer, the message control id, the record reference (site, visit,
trigger), the field and the codes, never the message's content or the reason text (which
may quote a field's value): those go only to the sender in the ACK and to the rejects file.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol

import structlog

from adapters.hl7 import Hl7File, Hl7Message, read_file
from adapters.hl7_ack import AckError, acknowledgement, error_code
from adapters.mllp import FrameReader, FrameTooLongError, frame
from adapters.records import Notice, OutboundEvent, ParsedExport, RejectedRecord
from hub.wire.codec import RecordValidationError

log = structlog.get_logger(__name__)

Parse = Callable[[Hl7File, str], ParsedExport]
READ_SIZE = 64 * 1024


class Publisher(Protocol):
    async def publish(self, event: OutboundEvent) -> bool: ...


@dataclass
class ListenerCounts:
    """What the listener has done since it started."""

    connections: int = 0
    messages: int = 0
    published: int = 0  # AA, published now
    duplicates: int = 0  # AA, already published
    with_notices: int = 0  # AA with a warning ERR (published or already published)
    errors: int = 0  # AE
    rejected: int = 0  # AR
    cut_short: int = 0  # connections closed mid-message
    bytes_outside_frames: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


class RejectsFile:
    """Rejected messages as JSON lines, the format of ``hub publish --rejects``."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path

    def keep(self, records: Sequence[RejectedRecord]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            for record in records:
                kept: dict[str, object] = dict(record.to_dict())
                if isinstance(record, Notice):
                    kept["notice"] = True
                handle.write(json.dumps(kept) + "\n")


class MllpListener:
    """Serves MLLP connections; ``start`` binds (port 0: any free port)."""

    def __init__(
        self,
        publisher: Publisher,
        parse: Parse,
        rejects: RejectsFile,
        *,
        max_in_flight: int = 256,
        max_frame: int = 4 * 1024 * 1024,
    ) -> None:
        self._publisher = publisher
        self._parse = parse
        self._rejects = rejects
        self._max_in_flight = max_in_flight
        self._max_frame = max_frame
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self.counts = ListenerCounts()

    async def start(self, host: str, port: int) -> int:
        """Listen on ``host:port``; the port actually bound."""
        self._server = await asyncio.start_server(self._serve, host, port, limit=READ_SIZE)
        bound: int = self._server.sockets[0].getsockname()[1]
        log.info("mllp_listening", host=host, port=bound)
        return bound

    async def close(self) -> None:
        """Stop accepting; let the messages already received finish and be answered."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()  # stops reading; messages received are still answered
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)
        peer = _peer(writer)
        self.counts.connections += 1
        frames = FrameReader(self._max_frame)
        answers: asyncio.Queue[asyncio.Task[bytes] | None] = asyncio.Queue(self._max_in_flight)
        sender = asyncio.create_task(self._send_answers(answers, writer, peer))
        try:
            while True:
                data = await reader.read(READ_SIZE)
                if not data:
                    break
                for message in frames.feed(data):
                    await answers.put(asyncio.create_task(self._answer(message, peer)))
        except FrameTooLongError as error:
            log.warning("mllp_frame_too_long", peer=peer, detail=str(error))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            if frames.pending:
                self.counts.cut_short += 1
                log.warning("mllp_connection_closed_mid_message", peer=peer, bytes=frames.pending)
            if frames.discarded:
                self.counts.bytes_outside_frames += frames.discarded
                log.warning("mllp_bytes_outside_frames", peer=peer, bytes=frames.discarded)
            await answers.put(None)
            await sender
            writer.close()
            if task is not None:
                self._connections.discard(task)

    async def _send_answers(
        self,
        answers: asyncio.Queue[asyncio.Task[bytes] | None],
        writer: asyncio.StreamWriter,
        peer: str,
    ) -> None:
        """Write each ACK in arrival order; after a broken connection, still await the rest."""
        open_ = True
        while (task := await answers.get()) is not None:
            ack = await task
            if not open_:
                continue
            try:
                writer.write(ack)
                await writer.drain()
            except ConnectionError:
                open_ = False
                log.warning("mllp_ack_not_delivered", peer=peer)

    async def _answer(self, data: bytes, peer: str) -> bytes:
        """Parse, publish, and make the framed ACK of one message; never raises."""
        self.counts.messages += 1
        message: Hl7Message | None = None
        warnings: list[AckError] = []
        try:
            message, error = await self._process(data, peer, warnings)
        except Exception as unexpected:  # a bug must cost one message, not the listener
            # The type only: an exception's text may quote the message's content.
            log.error("mllp_message_failed", peer=peer, error=type(unexpected).__name__)
            error = AckError.not_stored("the hub failed on this message; send it again")
        if error is not None:
            warnings.clear()  # the message was not stored: its error is what the ACK says
            if error.ack_code == "AE":
                self.counts.errors += 1
            else:
                self.counts.rejected += 1
        elif warnings:
            self.counts.with_notices += 1
        ack = acknowledgement(message, control_id=_control_id(), error=error, warnings=warnings)
        return frame(ack.encode("utf-8"))

    async def _process(
        self, data: bytes, peer: str, warnings: list[AckError]
    ) -> tuple[Hl7Message | None, AckError | None]:
        """The message and what is wrong with it (None: stored); notices go in ``warnings``."""
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
            message = _only_message(read_file(text))
            return message, self._reject(peer, message, "MSH-18", "message is not UTF-8 text")
        hl7_file = read_file(text)
        message = _only_message(hl7_file)
        if message is None:
            count = len(hl7_file.messages)
            reason = f"an MLLP frame must hold one HL7 message, this one holds {count}"
            return None, self._reject(peer, None, "MSH", reason)
        source = f"mllp {peer} MSH-10 {_control(message)}"
        export = self._parse(hl7_file, source)
        if export.rejected:
            self._rejects.keep(export.rejected)
            first = export.rejected[0]
            found = AckError(first.field, first.reason, error_code(first.field, first.reason))
            self._log_rejection(peer, message, found, first.record_reference)
            return message, found
        event = export.events[0]
        try:
            fresh = await self._publisher.publish(event)
        except RecordValidationError as invalid:
            return message, self._reject(peer, message, "(schema)", str(invalid))
        except Exception as failure:
            log.error(
                "mllp_not_stored",
                peer=peer,
                control_id=_control(message),
                record_reference=event.record["envelope"]["record_reference"],
                error=type(failure).__name__,
            )
            return message, AckError.not_stored("the event could not be stored; send it again")
        if fresh:
            self.counts.published += 1
        else:
            self.counts.duplicates += 1
        if export.notices:
            self._rejects.keep(export.notices)
            for notice in export.notices:
                warning = AckError.warning(notice.field, notice.reason)
                warnings.append(warning)
                log.warning(
                    "mllp_message_notice",
                    peer=peer,
                    control_id=_control(message),
                    record_reference=notice.record_reference,
                    field=warning.field,
                    code=warning.code,
                )
        return message, None

    def _reject(self, peer: str, message: Hl7Message | None, field: str, reason: str) -> AckError:
        """A message the adapter never got to judge: kept and logged like its rejections."""
        code = "207" if field in ("MSH", "MSH-18") else error_code(field, reason)
        found = AckError(field, reason, code)
        self._rejects.keep(
            [RejectedRecord(f"mllp {peer} MSH-10 {_control(message)}", "frame", field, reason)]
        )
        self._log_rejection(peer, message, found, None)
        return found

    def _log_rejection(
        self, peer: str, message: Hl7Message | None, error: AckError, reference: str | None
    ) -> None:
        log.warning(
            "mllp_message_rejected",
            peer=peer,
            control_id=_control(message),
            record_reference=reference,
            field=error.field,
            code=error.code,
            ack=error.ack_code,
        )


def _only_message(hl7_file: Hl7File) -> Hl7Message | None:
    return hl7_file.messages[0] if len(hl7_file.messages) == 1 else None


def _control(message: Hl7Message | None) -> str:
    if message is None:
        return ""
    try:
        return message.get("MSH-10")[:20]
    except ValueError:
        return ""


def _control_id() -> str:
    """A fresh control id for an ACK (MSH-10 holds at most 20 characters)."""
    return uuid.uuid4().hex[:20]


def _peer(writer: asyncio.StreamWriter) -> str:
    address = writer.get_extra_info("peername")
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return str(address)
