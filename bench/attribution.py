"""Benchmark SHAP explanations: TreeSHAP and KernelSHAP paths of ``vigil.jobs.explain``.

What is measured
----------------
A seeded 20-feature regression problem (5,000 training rows) and a scikit-learn
``GradientBoostingRegressor`` (100 trees of depth 3): the "20-feature tree model". Then
``explain`` of ``--rows`` live rows (1,000) against a 100-row background (Clarify's baseline):

* **TreeSHAP path** (``method="auto"``, which verifies the question and picks TreeSHAP):
  exact interventional values. Target (issue #17): ≤ 2 s.
* **KernelSHAP path** (``method="kernel_shap"``) with Clarify's default sample count
  ``min(2M + 2048, 2**M - 2)`` = 2,088 coalitions per row: ``rows x 100 x 2,088`` synthetic rows
  go through the model (208.8 million for 1,000 rows). Target: ≤ 60 s on 2 cores.
  ``--kernel-rows`` explains fewer rows (the time per row is printed, and the full-size time
  extrapolated from it).

For each path: wall seconds, model calls (batched: a predictor call per explained row plus two
for KernelSHAP; each call of up to 250,000 rows), rows predicted, the seconds spent inside the
model's ``predict`` (the rest is shap's own work), and the 1-minute load average before and
after (the machine is shared: figures are noisy). The two paths' global attributions are
compared (NDCG of the KernelSHAP ranking against TreeSHAP's).

Usage, from the repository root::

    .venv/bin/python bench/attribution.py [--rows 1000] [--kernel-rows N] [--skip-kernel]
                                          [--background 100]
"""

from __future__ import annotations

import argparse
import os
import time
from typing import Any

import numpy as np

SEED = 20240501
N_FEATURES = 20
N_TRAIN = 5000
N_BACKGROUND = 100


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


def _problem(rows: int, n_background: int = N_BACKGROUND) -> tuple[Any, np.ndarray, np.ndarray]:
    from sklearn.ensemble import GradientBoostingRegressor

    rng = np.random.default_rng(SEED)
    x = rng.normal(size=(N_TRAIN + N_BACKGROUND + rows, N_FEATURES))
    weights = np.linspace(2.0, 0.0, N_FEATURES)
    y = x @ weights + np.abs(x[:, 1]) + x[:, 2] * x[:, 3] + rng.normal(0, 0.3, len(x))
    train = slice(0, N_TRAIN)
    model = GradientBoostingRegressor(n_estimators=100, max_depth=3, random_state=0)
    model.fit(x[train], y[train])
    background = x[N_TRAIN : N_TRAIN + n_background]
    if n_background == 1:  # Clarify's usual one-row baseline: the mean
        background = x[train].mean(axis=0, keepdims=True)
    live = x[N_TRAIN + N_BACKGROUND :]
    return model, background, live


class _TimedModel:
    """The model with its ``predict`` timed (seconds inside the model)."""

    def __init__(self, model: Any) -> None:
        self._model = model
        self.seconds = 0.0

    def predict(self, rows: np.ndarray) -> np.ndarray:
        start = time.perf_counter()
        try:
            return self._model.predict(rows)
        finally:
            self.seconds += time.perf_counter() - start


def _run(label: str, model: Any, live: np.ndarray, background: np.ndarray, method: str) -> Any:
    from vigil.jobs.explain import ShapOptions, explain
    from vigil.jobs.predictors import CallablePredictor, ModelPredictor

    names = [f"f{i:02d}" for i in range(N_FEATURES)]
    timed = _TimedModel(model)
    # TreeSHAP reads the trees from the model object; KernelSHAP only calls predict (timed)
    predictor: Any = ModelPredictor(model) if method == "auto" else CallablePredictor(timed.predict)
    load = _load()
    start = time.perf_counter()
    e = explain(
        predictor,
        live,
        baseline=background,
        feature_names=names,
        options=ShapOptions(seed=SEED, method=method),  # type: ignore[arg-type]
    )
    wall = time.perf_counter() - start
    print(
        f"{label:<11} {e.method:<11} rows {e.n_rows:>5}  {wall:8.2f} s  "
        f"({wall / e.n_rows * 1000:8.2f} ms/row)  model calls {e.model_calls:>5}  "
        f"rows predicted {e.rows_predicted:>11,}  "
        f"in the model {timed.seconds if method != 'auto' else float('nan'):7.2f} s  "
        f"load {load} -> {_load()}"
    )
    return e, wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="live rows explained (1000)")
    parser.add_argument("--kernel-rows", type=int, default=None, help="KernelSHAP rows (--rows)")
    parser.add_argument("--skip-kernel", action="store_true", help="TreeSHAP only")
    parser.add_argument(
        "--background", type=int, default=N_BACKGROUND, help="background rows (100; 1: the mean)"
    )
    args = parser.parse_args()

    import shap  # noqa: F401  (seconds to import: not part of the timings)

    from vigil.core.attribution import ndcg_score

    model, background, live = _problem(args.rows, args.background)
    print(
        f"{N_FEATURES} features, GradientBoostingRegressor(100 trees, depth 3), "
        f"{len(background)} background rows, {args.rows} live rows, cpus {os.cpu_count()}"
    )
    tree, tree_wall = _run("TreeSHAP", model, live, background, "auto")
    assert tree.method == "tree_shap", tree.fallback_reason
    if args.skip_kernel:
        return
    n_kernel = args.kernel_rows or args.rows
    kernel, kernel_wall = _run("KernelSHAP", model, live[:n_kernel], background, "kernel_shap")
    tree_subset = tree.local_shap_values[:n_kernel, :, 0]
    kernel_values = kernel.local_shap_values[:, :, 0]
    difference = np.abs(kernel_values - tree_subset).max() / np.abs(tree_subset).max()
    tree_global = dict(zip(tree.feature_names, np.abs(tree_subset).mean(axis=0), strict=True))
    ndcg = ndcg_score(tree_global, kernel.labels[0].global_shap_values)
    print(
        f"KernelSHAP vs TreeSHAP on the same rows: largest difference {difference:.2%} of the "
        f"largest value; NDCG of the KernelSHAP global ranking against TreeSHAP's {ndcg:.4f}"
    )
    kernel_text = f"{kernel_wall:.1f} s"
    if n_kernel != args.rows:
        full = kernel_wall / n_kernel * args.rows
        kernel_text += f" for {n_kernel} rows, {full:.0f} s extrapolated to {args.rows}"
    print(
        f"targets: TreeSHAP <= 2 s (got {tree_wall:.2f} s), KernelSHAP <= 60 s (got {kernel_text})"
    )


if __name__ == "__main__":
    main()
