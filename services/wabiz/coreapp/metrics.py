"""The CoreApp's Prometheus metrics: lease changes, queue depths, deliveries.

Gauges read the node's live state at scrape time (a custom collector), so the hot paths pay
nothing for being observed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector


class NodeCollector(Collector):
    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        values = self._read()
        yield CounterMetricFamily(
            "wabiz_coreapp_lease_changes", "Shard leases gained or lost", values["lease_changes"]
        )
        yield GaugeMetricFamily("wabiz_coreapp_shards_held", "Shard leases held", values["shards_held"])
        yield GaugeMetricFamily(
            "wabiz_coreapp_master", "1 while this node holds the master lease", values["master"]
        )
        yield GaugeMetricFamily(
            "wabiz_coreapp_outgoing_queue", "Messages waiting to be sent", values["outgoing"]
        )
        yield GaugeMetricFamily(
            "wabiz_coreapp_memory_callbacks",
            "Callbacks queued in memory (callback_persist off)",
            values["memory"],
        )
        yield CounterMetricFamily("wabiz_coreapp_sent", "Messages accepted upstream", values["sent"])
        yield CounterMetricFamily(
            "wabiz_coreapp_callbacks_delivered", "Callbacks delivered", values["delivered"]
        )
        yield CounterMetricFamily(
            "wabiz_coreapp_callback_failures", "Failed callback POSTs", values["failures"]
        )


def registry_for(read: Callable[[], dict[str, float]]) -> CollectorRegistry:
    registry = CollectorRegistry()
    registry.register(NodeCollector(read))
    return registry
