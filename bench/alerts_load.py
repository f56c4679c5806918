"""Traffic while the alerts benchmark probes: background agency load and a Kafka baseline."""

from __future__ import annotations

import threading
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

# Agency producer settings (adapters/publisher.py) but linger 0: a probe is one message.
PROBE_PRODUCER = {"acks": "all", "enable_idempotence": True, "linger_ms": 0}
LOAD_PRODUCER = {
    "acks": "all",
    "enable_idempotence": True,
    "linger_ms": 20,
    "batch_size": 256 * 1024,
}


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
