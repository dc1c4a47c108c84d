"""Data capture: sampling, record building, the background JSONL writer, ground truth.

* :class:`Sampler` — per-request Bernoulli sampling at a percentage (spec §1.1).
* :func:`build_capture_line`, :class:`CaptureContentTypes` — SageMaker capture records as JSON
  lines, CSV/JSON/BASE64 by content type (spec §1.2).
* :class:`CaptureWriter`, :class:`CaptureItem` — a bounded queue drained by a thread into
  ``{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl``, uploaded when remote (spec §1.3).
* :func:`write_ground_truth`, :func:`read_labels` — ground-truth records under
  ``{destination}/groundtruth/yyyy/mm/dd/hh/`` (spec §1.5).
"""

from __future__ import annotations

from vigil.capture.ground_truth import (
    GroundTruthWrite,
    LabelFormat,
    read_labels,
    write_ground_truth,
)
from vigil.capture.record import (
    CaptureContentTypes,
    build_capture_line,
    format_inference_time,
    media_type,
)
from vigil.capture.sampler import Sampler
from vigil.capture.writer import CaptureCounters, CaptureItem, CaptureWriter

__all__ = [
    "CaptureContentTypes",
    "CaptureCounters",
    "CaptureItem",
    "CaptureWriter",
    "GroundTruthWrite",
    "LabelFormat",
    "Sampler",
    "build_capture_line",
    "format_inference_time",
    "media_type",
    "read_labels",
    "write_ground_truth",
]
