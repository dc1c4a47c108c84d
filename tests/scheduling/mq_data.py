"""Real inputs for model-quality control-plane tests: a scikit-learn classifier, its captured
traffic (written by the capture writer, outputs as the serving layer encodes ``predict_proba``:
``p0,p1``), ground truth filed by collection time, and a model-quality baseline."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from vigil.capture.ground_truth import write_ground_truth
from vigil.capture.record import (
    CaptureContentTypes,
    build_capture_line,
    format_inference_time,
    new_event_id,
)
from vigil.capture.writer import CaptureItem, CaptureWriter
from vigil.jobs.model_quality import suggest_model_quality_baseline
from vigil.serving.payload import encode_predictions

ENDPOINT = "churn"
VARIANT = "AllTraffic"
CONTENT_TYPES = CaptureContentTypes(csv=["text/csv"], json=["application/json"])


def _features(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` rows of two features and a label that depends on them (with noise)."""
    x = rng.normal(size=(n, 2))
    logit = 1.5 * x[:, 0] - 1.0 * x[:, 1] + rng.normal(scale=1.0, size=n)
    return x, (logit > 0).astype(int)


def train_model(seed: int = 0) -> LogisticRegression:
    """A logistic regression fitted on 500 synthetic rows."""
    x, y = _features(np.random.default_rng(seed), 500)
    return LogisticRegression().fit(x, y)


@dataclass
class Hour:
    """The traffic of one capture hour: per request, its id, positive probability and label."""

    start: datetime
    ids: list[str] = field(default_factory=list)
    probability: list[float] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)

    def accuracy(self, subset: Sequence[int] | None = None, threshold: float = 0.5) -> float:
        """Accuracy of ``probability >= threshold`` on the labels (rows ``subset`` only)."""
        from sklearn.metrics import accuracy_score

        rows = list(range(len(self.ids))) if subset is None else list(subset)
        predicted = [int(self.probability[i] >= threshold) for i in rows]
        return float(accuracy_score([self.labels[i] for i in rows], predicted))

    def f1(self, threshold: float = 0.5) -> float:
        """F1 of ``probability >= threshold`` (positive class 1) on every label."""
        from sklearn.metrics import f1_score

        predicted = [int(p >= threshold) for p in self.probability]
        return float(f1_score(self.labels, predicted))


def write_traffic(
    capture_root: Path,
    model: LogisticRegression,
    start: datetime,
    hours: int,
    *,
    per_hour: int = 120,
    seed: int = 1,
    endpoint: str = ENDPOINT,
) -> list[Hour]:
    """Capture ``per_hour`` single-row CSV invocations in each of ``hours`` hours from ``start``.

    Each record's output is what the serving layer writes for ``predict_proba`` (``p0,p1``),
    and its ``inferenceId`` the key the labels use.
    """
    rng = np.random.default_rng(seed)
    writer = CaptureWriter()
    writer.start()
    traffic = []
    try:
        for h in range(hours):
            hour = Hour(start + timedelta(hours=h))
            x, y = _features(rng, per_hour)
            for i in range(per_hour):
                when = hour.start + timedelta(seconds=(i * 3600) // per_hour + 1)
                row = x[i : i + 1]
                proba = model.predict_proba(row)
                inference_id = f"{hour.start:%H}-{i}"
                line = build_capture_line(
                    event_id=new_event_id(),
                    inference_id=inference_id,
                    inference_time=format_inference_time(when.timestamp()),
                    custom_attributes=None,
                    input_data=f"{float(row[0, 0])!r},{float(row[0, 1])!r}".encode(),
                    input_content_type="text/csv",
                    output_data=encode_predictions(proba, "csv"),
                    output_content_type="text/csv; charset=utf-8",
                    content_types=CONTENT_TYPES,
                )
                assert writer.submit(
                    CaptureItem(str(capture_root), endpoint, VARIANT, when.timestamp(), line)
                )
                hour.ids.append(inference_id)
                hour.probability.append(float(proba[0, 1]))
                hour.labels.append(int(y[i]))
            traffic.append(hour)
    finally:
        writer.close()
    return traffic


def write_labels(
    destination: Path,
    hour: Hour,
    *,
    delay: timedelta = timedelta(hours=1),
    rows: Sequence[int] | None = None,
    flip: bool = False,
) -> str:
    """File the labels of ``hour``'s requests (``rows`` only) as collected ``delay`` after the
    hour began (with the service's layout: ``{destination}/groundtruth/yyyy/mm/dd/hh/``).

    ``flip`` writes the wrong label (to show whether a file is read).
    """
    chosen = range(len(hour.ids)) if rows is None else rows
    pairs = [(hour.ids[i], str(1 - hour.labels[i] if flip else hour.labels[i])) for i in chosen]
    return write_ground_truth(pairs, str(destination), now=hour.start + delay).url


def write_model_quality_baseline(
    root: Path,
    model: LogisticRegression,
    *,
    seed: int = 2,
    problem_type: str = "BinaryClassification",
) -> tuple[Path, Path, Path]:
    """A labelled validation CSV (``probability,label``) and its model-quality baseline.

    Returns (dataset, statistics.json, constraints.json).
    """
    x, y = _features(np.random.default_rng(seed), 400)
    probability = model.predict_proba(x)[:, 1]
    dataset = root / "validation.csv"
    dataset.parent.mkdir(parents=True, exist_ok=True)
    with dataset.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["probability", "prediction", "label"])
        for p, label in zip(probability, y, strict=True):
            out.writerow([repr(float(p)), int(p >= 0.5), int(label)])
    result = suggest_model_quality_baseline(
        str(dataset),
        problem_type=problem_type,  # type: ignore[arg-type]
        ground_truth_attribute="label",
        inference_attribute=None if problem_type == "BinaryClassification" else "prediction",
        probability_attribute="probability" if problem_type == "BinaryClassification" else None,
        output=str(root / f"mq-baseline-{problem_type}"),
    )
    assert result.statistics_url is not None and result.constraints_url is not None
    return dataset, Path(result.statistics_url), Path(result.constraints_url)
