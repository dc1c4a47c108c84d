"""The 5 × 80% subsample standard deviation."""

from __future__ import annotations

import math

import numpy as np

from vigil.core.model_quality.bootstrap import (
    MIN_SAMPLES_FOR_STD,
    SUBSAMPLES,
    estimate,
    subsample_masks,
    subsample_std,
)


def test_masks_keep_about_80_percent_and_depend_only_on_the_rng() -> None:
    masks = subsample_masks(10_000, np.random.default_rng(1))
    assert masks is not None and len(masks) == SUBSAMPLES
    assert all(abs(m.mean() - 0.8) < 0.02 for m in masks)
    again = subsample_masks(10_000, np.random.default_rng(1))
    assert again is not None and all((a == b).all() for a, b in zip(masks, again, strict=True))
    assert subsample_masks(MIN_SAMPLES_FOR_STD - 1, np.random.default_rng(1)) is None


def test_std_is_the_sample_std_of_the_subsample_results() -> None:
    seen: list[float] = []

    def mean_of(mask: np.ndarray | None) -> dict[str, float]:
        values = np.arange(300.0) if mask is None else np.arange(300.0)[mask]
        seen.append(float(values.mean()))
        return {"mean": float(values.mean())}

    result = estimate(mean_of, 300, np.random.default_rng(2))
    assert result["mean"].value == 149.5
    assert math.isclose(result["mean"].standard_deviation, float(np.std(seen[1:], ddof=1)))
    assert math.isnan(subsample_std([1.0, math.nan, 2.0, 3.0, 4.0]))
