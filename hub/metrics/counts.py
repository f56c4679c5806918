"""Collectors over what a process already knows: its running counts, or one figure.

For a long-running part that already counts what it does (the MLLP listener):
each count is one sample of one counter family, labelled with the count's
name, read when Prometheus scrapes, so the part's own loop pays nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
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


class GaugeCollector(Collector):
    """One unlabelled gauge whose value ``read()`` gives when Prometheus scrapes."""

    def __init__(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        self._name = name
        self._documentation = documentation
        self._read = read

    def collect(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(self._name, self._documentation)
        gauge.add_metric([], self._read())
        yield gauge
