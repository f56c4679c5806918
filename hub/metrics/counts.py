"""A collector over a process's own running counts (a dict of fixed names to numbers).

For a long-running part that already counts what it does (the MLLP listener):
each count is one sample of one counter family, labelled with the count's
name, read when Prometheus scrapes, so the part's own loop pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


class CountsCollector(Collector):
    """``name{label=<count name>}`` for each entry of ``read()``."""

    def __init__(
        self, name: str, documentation: str, label: str, read: Callable[[], Mapping[str, int]]
    ) -> None:
        self._name = name
        self._documentation = documentation
        self._label = label
        self._read = read

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(self._name, self._documentation, labels=[self._label])
        for key, value in sorted(self._read().items()):
            family.add_metric([key], value)
        yield family
