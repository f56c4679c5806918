"""Deterministic processing order across partitions: the same topics always replay the same way.

Identity resolution depends on what the hub already knows, so the order in
which records from different agencies' partitions are applied can change an
outcome (which of two uncertain records waits for review). To make a rebuild,
a restart after a crash, or a second hub reading the same topics reach the
same state, every partition is cut into fixed chunks of ``chunk_size``
offsets, and chunks are applied lowest chunk number first, ties broken by
topic and partition. A restart resumes from the stored positions (always a
chunk boundary or a partition's end) and continues in the same order.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any, NamedTuple


class PartitionKey(NamedTuple):
    topic: str
    partition: int


@dataclass
class Chunk:
    partition: PartitionKey
    records: list[Any]
    end: int  # the position after this chunk (next offset to process)


@dataclass
class _PartitionState:
    next_offset: int
    end_offset: int = 0
    fetched_to: int = 0  # the consumer's fetch position: everything below it is buffered
    buffer: deque[Any] = field(default_factory=deque)


class ChunkScheduler:
    """Buffers fetched records and releases whole chunks in the deterministic order."""

    def __init__(self, chunk_size: int) -> None:
        if chunk_size < 1:
            raise ValueError("chunk size must be at least 1")
        self.chunk_size = chunk_size
        self._partitions: dict[PartitionKey, _PartitionState] = {}

    def assign(self, partition: PartitionKey, next_offset: int) -> None:
        self._partitions[partition] = _PartitionState(next_offset, next_offset, next_offset)

    def revoke(self, partition: PartitionKey) -> None:
        self._partitions.pop(partition, None)

    def partitions(self) -> list[PartitionKey]:
        return sorted(self._partitions)

    def next_offset(self, partition: PartitionKey) -> int:
        return self._partitions[partition].next_offset

    def buffered(self, partition: PartitionKey) -> int:
        return len(self._partitions[partition].buffer)

    def add(self, partition: PartitionKey, records: list[Any], fetched_to: int) -> None:
        state = self._partitions.get(partition)
        if state is None:
            return
        for record in records:
            if record.offset >= state.next_offset and (
                not state.buffer or record.offset > state.buffer[-1].offset
            ):
                state.buffer.append(record)
        state.fetched_to = max(state.fetched_to, fetched_to)

    def trim(self, partition: PartitionKey, limit: int) -> int | None:
        """Keep at most ``limit`` buffered records; return the offset to refetch from if trimmed."""
        state = self._partitions[partition]
        if len(state.buffer) <= limit:
            return None
        while len(state.buffer) > limit:
            state.buffer.pop()
        state.fetched_to = state.buffer[-1].offset + 1 if state.buffer else state.next_offset
        return state.fetched_to

    def set_end(self, partition: PartitionKey, end_offset: int) -> None:
        state = self._partitions.get(partition)
        if state is not None:
            state.end_offset = end_offset

    def extend_end(self, partition: PartitionKey, end_offset: int) -> None:
        """Raise the known end (never lower it): a fetch response's high watermark."""
        state = self._partitions.get(partition)
        if state is not None and end_offset > state.end_offset:
            state.end_offset = end_offset

    def lags(self) -> list[tuple[PartitionKey, int]]:
        """Each assigned partition's lag: records between its next offset and its known end."""
        return [
            (key, max(0, state.end_offset - state.next_offset))
            for key, state in list(self._partitions.items())
        ]

    def caught_up(self) -> bool:
        return bool(self._partitions) and all(
            s.next_offset >= s.end_offset for s in self._partitions.values()
        )

    def _due(self) -> PartitionKey | None:
        """The partition whose next chunk comes first, among those not at their end."""
        pending = [
            (state.next_offset // self.chunk_size, key)
            for key, state in self._partitions.items()
            if state.next_offset < state.end_offset
        ]
        return min(pending)[1] if pending else None

    def waiting_on(self) -> PartitionKey | None:
        """The partition that must be fetched further before anything can be released."""
        return self._due()

    def next_chunk(self) -> Chunk | None:
        """The next chunk in order if it is fully fetched; None if it must wait for data."""
        key = self._due()
        if key is None:
            return None
        state = self._partitions[key]
        chunk_end = min(
            (state.next_offset // self.chunk_size + 1) * self.chunk_size, state.end_offset
        )
        if state.fetched_to < chunk_end:
            return None
        records = []
        while state.buffer and state.buffer[0].offset < chunk_end:
            records.append(state.buffer.popleft())
        return Chunk(key, records, chunk_end)

    def committed(self, chunk: Chunk) -> None:
        state = self._partitions.get(chunk.partition)
        if state is not None:
            state.next_offset = chunk.end
