"""Runtime metrics of endpoints, per endpoint and variant, with SageMaker's definitions.

Each SageMaker metric has a Prometheus series (``GET /metrics``) labelled ``endpoint`` and
``variant``:

- Invocations → ``vigil_invocations_total``: requests routed to the variant, whatever their
  outcome.
- Invocation4XXErrors / Invocation5XXErrors → ``vigil_invocation_4xx_errors_total`` /
  ``vigil_invocation_5xx_errors_total``: of those, the ones answered 4xx / 5xx.
- ModelLatency → ``vigil_model_latency_microseconds`` (histogram, µs): the time the model took
  to answer (the in-process call, or the upstream round trip in proxy mode).
- OverheadLatency → ``vigil_overhead_latency_microseconds`` (histogram, µs): the time from the
  request reaching the handler to its response being ready, minus ModelLatency (reading the
  body, parsing, routing, encoding, capture).
- CaptureRecordsDropped → ``vigil_capture_records_dropped_total``: capture records lost (queue
  full, writer closed, file write failed).
- CaptureBytesWritten → ``vigil_capture_bytes_written_total``: bytes appended to capture files.

Requests refused before a variant is chosen (unknown target variant) count under the variant
label ``""``; requests to an unknown endpoint are not counted (the endpoint does not exist).
The shadow variant has its own series. The latencies are histograms (buckets from 100 µs to
60 s) with SageMaker's statistics in the snapshot: SampleCount, Sum, Minimum, Maximum, Average.

The accumulators are plain integers updated on the event loop (no lock on the request path);
:meth:`RuntimeMetrics.snapshot` and the Prometheus collector read them from any thread.

Examples
--------
>>> m = RuntimeMetrics()
>>> stats = m.variant("churn", "AllTraffic")
>>> stats.invocations += 1
>>> stats.model_latency.observe(850.0)
>>> snap = m.snapshot().get("churn", "AllTraffic")
>>> snap.invocations, snap.model_latency.sample_count, snap.model_latency.average
(1, 1, 850.0)
>>> b"vigil_invocations_total" in m.render()
True
"""

from __future__ import annotations

import bisect
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector

from vigil.capture.writer import CaptureCounters, CaptureWriter

__all__ = [
    "LATENCY_BUCKETS_MICROSECONDS",
    "PROMETHEUS_CONTENT_TYPE",
    "LatencyAccumulator",
    "LatencySnapshot",
    "MetricsSnapshot",
    "RuntimeMetrics",
    "VariantMetrics",
    "VariantStats",
]

LATENCY_BUCKETS_MICROSECONDS: tuple[float, ...] = (
    100.0,
    250.0,
    500.0,
    1_000.0,
    2_500.0,
    5_000.0,
    10_000.0,
    25_000.0,
    50_000.0,
    100_000.0,
    250_000.0,
    500_000.0,
    1_000_000.0,
    2_500_000.0,
    5_000_000.0,
    10_000_000.0,
    60_000_000.0,
)
"""Upper bounds (µs) of the latency histogram buckets; a ``+Inf`` bucket follows."""

PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""Content-Type of the Prometheus text exposition format."""


class LatencyAccumulator:
    """Count, sum, min, max and bucket counts of latencies in microseconds (mutable)."""

    __slots__ = ("buckets", "count", "maximum", "minimum", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.minimum = math.inf
        self.maximum = -math.inf
        self.buckets = [0] * (len(LATENCY_BUCKETS_MICROSECONDS) + 1)

    def observe(self, microseconds: float) -> None:
        """Add one latency, in microseconds."""
        self.count += 1
        self.total += microseconds
        if microseconds < self.minimum:
            self.minimum = microseconds
        if microseconds > self.maximum:
            self.maximum = microseconds
        self.buckets[bisect.bisect_left(LATENCY_BUCKETS_MICROSECONDS, microseconds)] += 1

    def snapshot(self) -> LatencySnapshot:
        """A frozen copy."""
        count = self.count
        return LatencySnapshot(
            sample_count=count,
            sum=self.total,
            minimum=self.minimum if count else math.nan,
            maximum=self.maximum if count else math.nan,
            bucket_counts=tuple(self.buckets),
        )


@dataclass(frozen=True, slots=True)
class LatencySnapshot:
    """SageMaker's statistics of a latency metric, in microseconds.

    Attributes
    ----------
    sample_count : int
        SampleCount.
    sum : float
        Sum, µs.
    minimum, maximum : float
        Minimum and Maximum, µs; NaN when there is no sample.
    bucket_counts : tuple of int
        Non-cumulative counts per bucket of :data:`LATENCY_BUCKETS_MICROSECONDS`, then ``+Inf``.
    """

    sample_count: int
    sum: float
    minimum: float
    maximum: float
    bucket_counts: tuple[int, ...]

    @property
    def average(self) -> float:
        """Average, µs (NaN when there is no sample)."""
        return self.sum / self.sample_count if self.sample_count else math.nan


class VariantStats:
    """The mutable counters of one endpoint variant (updated on the event loop).

    Attributes
    ----------
    invocations, errors_4xx, errors_5xx : int
    model_latency, overhead_latency : LatencyAccumulator
    """

    __slots__ = ("errors_4xx", "errors_5xx", "invocations", "model_latency", "overhead_latency")

    def __init__(self) -> None:
        self.invocations = 0
        self.errors_4xx = 0
        self.errors_5xx = 0
        self.model_latency = LatencyAccumulator()
        self.overhead_latency = LatencyAccumulator()

    def count_status(self, status: int) -> None:
        """Count an answered status in Invocation4XXErrors / Invocation5XXErrors."""
        if status >= 500:
            self.errors_5xx += 1
        elif status >= 400:
            self.errors_4xx += 1


@dataclass(frozen=True, slots=True)
class VariantMetrics:
    """The metrics of one endpoint variant at one moment (SageMaker's names in snake case).

    Attributes
    ----------
    endpoint, variant : str
    invocations, invocation_4xx_errors, invocation_5xx_errors : int
    model_latency, overhead_latency : LatencySnapshot
        Microseconds.
    capture_records_dropped, capture_bytes_written : int
    """

    endpoint: str
    variant: str
    invocations: int
    invocation_4xx_errors: int
    invocation_5xx_errors: int
    model_latency: LatencySnapshot
    overhead_latency: LatencySnapshot
    capture_records_dropped: int
    capture_bytes_written: int


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    """All variants' metrics at ``taken_at`` (cumulative since the server started).

    Attributes
    ----------
    taken_at : datetime
        UTC.
    variants : tuple of VariantMetrics
        Sorted by endpoint, then variant.
    capture_queue_records : int
        Records waiting in the capture queue.
    """

    taken_at: datetime
    variants: tuple[VariantMetrics, ...]
    capture_queue_records: int = 0

    def get(self, endpoint: str, variant: str) -> VariantMetrics | None:
        """The metrics of one variant, or None if it has none yet."""
        for item in self.variants:
            if item.endpoint == endpoint and item.variant == variant:
                return item
        return None


_EMPTY_LATENCY = LatencyAccumulator()


class RuntimeMetrics:
    """The metrics of a serving app: accumulators, a typed snapshot, a Prometheus collector.

    Parameters
    ----------
    capture : CaptureWriter, optional
        Source of CaptureRecordsDropped and CaptureBytesWritten; see :meth:`attach_capture`.
    clock : callable, default=time.time
        Seconds since the epoch, for ``taken_at``.
    """

    def __init__(
        self, capture: CaptureWriter | None = None, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._variants: dict[tuple[str, str], VariantStats] = {}
        self._capture = capture
        self._clock = clock
        self._registry: CollectorRegistry | None = None

    def attach_capture(self, capture: CaptureWriter | None) -> None:
        """Read capture counters from ``capture`` from now on."""
        self._capture = capture

    def variant(self, endpoint: str, variant: str) -> VariantStats:
        """The accumulators of one variant, created on first use."""
        key = (endpoint, variant)
        stats = self._variants.get(key)
        if stats is None:
            stats = self._variants.setdefault(key, VariantStats())
        return stats

    def snapshot(self) -> MetricsSnapshot:
        """A frozen copy of every variant's metrics (the call the alarms consume)."""
        capture: dict[tuple[str, str], CaptureCounters] = (
            self._capture.counters() if self._capture is not None else {}
        )
        keys = sorted(set(self._variants) | set(capture))
        items = []
        for key in keys:
            stats = self._variants.get(key)
            counters = capture.get(key, CaptureCounters())
            items.append(
                VariantMetrics(
                    endpoint=key[0],
                    variant=key[1],
                    invocations=stats.invocations if stats else 0,
                    invocation_4xx_errors=stats.errors_4xx if stats else 0,
                    invocation_5xx_errors=stats.errors_5xx if stats else 0,
                    model_latency=(stats.model_latency if stats else _EMPTY_LATENCY).snapshot(),
                    overhead_latency=(
                        stats.overhead_latency if stats else _EMPTY_LATENCY
                    ).snapshot(),
                    capture_records_dropped=counters.records_dropped,
                    capture_bytes_written=counters.bytes_written,
                )
            )
        return MetricsSnapshot(
            taken_at=datetime.fromtimestamp(self._clock(), UTC),
            variants=tuple(items),
            capture_queue_records=self._capture.queued if self._capture is not None else 0,
        )

    @property
    def registry(self) -> CollectorRegistry:
        """A Prometheus registry holding only this object's collector."""
        if self._registry is None:
            registry = CollectorRegistry(auto_describe=False)
            registry.register(_Collector(self))
            self._registry = registry
        return self._registry

    def render(self) -> bytes:
        """The metrics in Prometheus text format (:data:`PROMETHEUS_CONTENT_TYPE`)."""
        return generate_latest(self.registry)


def _histogram(name: str, doc: str, snap: MetricsSnapshot, latency: str) -> HistogramMetricFamily:
    family = HistogramMetricFamily(name, doc, labels=["endpoint", "variant"], unit="")
    for item in snap.variants:
        value: LatencySnapshot = getattr(item, latency)
        cumulative = 0
        buckets = []
        for bound, count in zip(
            (*LATENCY_BUCKETS_MICROSECONDS, math.inf), value.bucket_counts, strict=True
        ):
            cumulative += count
            buckets.append(("+Inf" if bound == math.inf else repr(bound), cumulative))
        family.add_metric([item.endpoint, item.variant], buckets, value.sum)
    return family


class _Collector(Collector):
    def __init__(self, metrics: RuntimeMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily | HistogramMetricFamily]:
        snap = self._metrics.snapshot()
        labels = ["endpoint", "variant"]
        counters = (
            (
                "vigil_invocations",
                "Requests routed to the variant (SageMaker Invocations).",
                "invocations",
            ),
            (
                "vigil_invocation_4xx_errors",
                "Requests answered 4xx (SageMaker Invocation4XXErrors).",
                "invocation_4xx_errors",
            ),
            (
                "vigil_invocation_5xx_errors",
                "Requests answered 5xx (SageMaker Invocation5XXErrors).",
                "invocation_5xx_errors",
            ),
            (
                "vigil_capture_records_dropped",
                "Capture records lost: queue full, writer closed or write failed.",
                "capture_records_dropped",
            ),
            (
                "vigil_capture_bytes_written",
                "Bytes appended to capture files.",
                "capture_bytes_written",
            ),
        )
        for name, doc, attr in counters:
            family = CounterMetricFamily(name, doc, labels=labels)
            for item in snap.variants:
                family.add_metric([item.endpoint, item.variant], getattr(item, attr))
            yield family
        yield _histogram(
            "vigil_model_latency_microseconds",
            "Time the model took to answer, in microseconds (SageMaker ModelLatency).",
            snap,
            "model_latency",
        )
        yield _histogram(
            "vigil_overhead_latency_microseconds",
            "Time spent in Vigil around the model, in microseconds (SageMaker OverheadLatency).",
            snap,
            "overhead_latency",
        )
        queue = GaugeMetricFamily(
            "vigil_capture_queue_records", "Capture records waiting to be written."
        )
        queue.add_metric([], snap.capture_queue_records)
        yield queue
