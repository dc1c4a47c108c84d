"""SHAP explanations of a model's outputs, computed the way Clarify computes them (spec clarify.md §5).

The question both methods answer
    The interventional ("baseline", marginal) Shapley values of the explained output ``f`` with
    the baseline rows ``B`` as background: a feature that is absent takes the baseline row's
    value, a present one the explained row's (``clarify-feature-attribute-shap-baselines``), so
    a coalition ``S`` is worth ``v(S) = mean over b in B of f(x_S, b_not_S)`` and the values of a
    row sum to ``f(x) - mean_b f(b)`` (efficiency). ``expected_value`` is that mean: the model's
    output at the baseline. With ``use_logit`` the link is the logit: the values are in
    log-odds and sum to ``logit(f(x)) - logit(mean_b f(b))`` (KernelSHAP's link function).

KernelSHAP (``kernel_shap``; always applicable)
    ``shap.KernelExplainer(f, B, link=...)`` with ``nsamples`` coalitions per row: Clarify's
    ``num_samples``, by default ``min(2M + 2048, 2**M - 2)`` for M features (Clarify's and
    shap's default alike; every coalition, hence exact values, when ``2**M - 2`` or fewer), and
    ``l1_reg=False`` (shap's default keeps only 10 features). A model call evaluates
    ``len(B) * nsamples`` synthetic rows per explained row, so the cost is
    ``n_rows * len(B) * nsamples`` model rows: 1,000 rows, 100 baseline rows and 20 features
    make 208.8 million. The predictor is called once per explained row (in batches of its
    ``batch_size``); each row's own output comes from one batched call over all rows first.
    Seeded: row ``i`` is explained with numpy's legacy global generator seeded from
    ``SeedSequence([seed, i])`` (shap samples coalitions from it), so the values of row ``i``
    depend on the seed, ``i`` and the row alone, not on the predictor's batch size; the global
    generator's state is restored afterwards (the global generator makes :func:`explain` unsafe
    to run in several threads of one process at once). BLAS runs one thread inside shap's
    least-squares solves (the model keeps its threads): on a busy 2-core machine threaded BLAS
    made shap's own work per row up to 4 times slower. shap's own work is Python: about
    50-200 ms per row for 20 features and 2,088 coalitions on this project's 2-core machines,
    on top of the model's time.

TreeSHAP (``tree_shap``; the fast path)
    ``shap.TreeExplainer(model, data=B, feature_perturbation="interventional",
    model_output="raw")``: the exact interventional Shapley values of the tree ensemble's raw
    output (S. M. Lundberg et al., "From local explanations to global understanding with
    explainable AI for trees", Nature Machine Intelligence 2, 2020), in time linear in
    ``len(B)``; the same question when the raw
    output *is* the explained output: a regressor's prediction, a random forest's or a decision
    tree's class probabilities. A boosted classifier's raw output is its margin (log-odds), not
    its probability, and ``use_logit``'s link is not the margin either (the logit of a mean is
    not the mean of logits); shap's ``model_output="probability"`` differed from KernelSHAP on
    ``predict_proba`` by up to 0.2 when checked. Path-dependent TreeSHAP (no background, the
    trees' training cover as the feature distribution) answers a different question and is
    never used. Rather than trust a list of model types, ``auto`` verifies the question: the
    ensemble's raw output must equal the predictor's output on baseline and live rows, and every
    row's values plus ``expected_value`` must give the predictor's output (efficiency), within
    :data:`TREE_TOLERANCE`; otherwise it falls back to KernelSHAP and says why
    (:attr:`Explanation.fallback_reason`). TreeSHAP needs the model object: a
    :class:`~vigil.jobs.predictors.ModelPredictor` with ``use_logit`` off.

Labels
    Each explained output is one label: ``label_headers`` names them, by default ``label0``,
    ``label1``, … by position among the explained outputs (``outputs`` selects columns of a
    multi-output model, e.g. ``(1,)`` for the positive class's probability).

``shap`` is imported inside the functions that use it, never at module import: it takes
seconds to import, and the CLI's start-up time is measured.
"""

from __future__ import annotations

import io
import math
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import ArrayLike, NDArray

from vigil.core.attribution import (
    AGGREGATION_METHODS,
    DEFAULT_AGG_METHOD,
    AggregationMethod,
    LabelAttributions,
)
from vigil.errors import EmptyDatasetError, InvalidParameterError
from vigil.jobs.predictors import ModelInvocationError, ModelPredictor, Predictor
from vigil.storage.objectstore import write_bytes

__all__ = [
    "LOCAL_SHAP_COLUMNS",
    "LOGIT_EPSILON",
    "TREE_TOLERANCE",
    "ExplainerName",
    "Explanation",
    "ShapMethod",
    "ShapOptions",
    "clarify_num_samples",
    "explain",
    "write_local_shap_values",
]

FloatArray = NDArray[np.float64]

ShapMethod = Literal["auto", "kernel_shap", "tree_shap"]
"""Which explainer to use: ``auto`` (TreeSHAP where it answers the question, else KernelSHAP)."""

ExplainerName = Literal["kernel_shap", "tree_shap"]
"""The explainer an :class:`Explanation` was computed with."""

LOGIT_EPSILON = 1e-7
"""With ``use_logit``, outputs are clipped to [eps, 1 - eps] so that 0 and 1 stay finite."""

TREE_TOLERANCE = 1e-4
"""TreeSHAP's outputs must match the predictor's within ``TREE_TOLERANCE * (1 + max |output|)``
(XGBoost computes in float32: about 1e-6 relative)."""

LOCAL_SHAP_COLUMNS = ("_row", "_label", "_expected_value", "_model_output")
"""Columns of the local SHAP Parquet file besides one column per feature."""

_METHODS: tuple[str, ...] = get_args(ShapMethod)


def clarify_num_samples(n_features: int, num_samples: int | None = None) -> int:
    """Coalitions per explained row: ``min(num_samples or 2M + 2048, 2**M - 2)``.

    Clarify's rule (``clarify-online-explainability-create-endpoint``) and shap's ``"auto"``.

    Examples
    --------
    >>> clarify_num_samples(20), clarify_num_samples(10), clarify_num_samples(20, 100)
    (2088, 1022, 100)
    """
    wanted = 2 * n_features + 2048 if num_samples is None else num_samples
    if n_features > 60:
        return wanted
    return max(0, min(wanted, int(2**n_features) - 2))


def _int_tuple(value: Sequence[int] | None, name: str) -> tuple[int, ...] | None:
    if value is None:
        return None
    items = tuple(value)
    if (
        not items
        or any(isinstance(i, bool) or not isinstance(i, int) or i < 0 for i in items)
        or len(set(items)) != len(items)
    ):
        raise InvalidParameterError(
            f"{name} of ShapOptions must be distinct non-negative integers. Got {value!r} instead.",
            field=name,
        )
    return items


@dataclass(frozen=True)
class ShapOptions:
    """How to explain: Clarify's ``methods.shap`` settings, plus the explainer choice.

    Attributes
    ----------
    num_samples : int or None, default=None
        KernelSHAP coalitions per row; None: Clarify's default (:func:`clarify_num_samples`).
    agg_method : {"mean_abs", "median", "mean_sq"}, default="mean_abs"
        How local values become global ones (:mod:`vigil.core.attribution.aggregate`).
    use_logit : bool, default=False
        Explain in log-odds (KernelSHAP's logit link); the outputs must be probabilities.
    seed : int or None, default=None
        Non-negative; None: a random one, recorded in the :class:`Explanation`.
    method : {"auto", "kernel_shap", "tree_shap"}, default="auto"
        ``tree_shap`` raises when TreeSHAP does not answer the question (see the module
        docstring); ``auto`` falls back to KernelSHAP then.
    outputs : tuple of int or None, default=None
        Columns of a multi-output model to explain (0-based); None: all.
    label_headers : tuple of str or None, default=None
        Names of the explained outputs; None: ``label0``, ``label1``, ….

    Raises
    ------
    InvalidParameterError
        If a value is outside its domain.
    """

    num_samples: int | None = None
    agg_method: AggregationMethod = DEFAULT_AGG_METHOD
    use_logit: bool = False
    seed: int | None = None
    method: ShapMethod = "auto"
    outputs: tuple[int, ...] | None = None
    label_headers: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        def bad(name: str, expected: str) -> InvalidParameterError:
            return InvalidParameterError(
                f"{name} of ShapOptions must be {expected}. Got {getattr(self, name)!r} instead.",
                field=name,
            )

        ns = self.num_samples
        if ns is not None and (isinstance(ns, bool) or not isinstance(ns, int) or ns < 1):
            raise bad("num_samples", "a positive integer or None")
        if self.agg_method not in AGGREGATION_METHODS:
            raise bad("agg_method", f"one of {list(AGGREGATION_METHODS)}")
        if not isinstance(self.use_logit, bool):
            raise bad("use_logit", "a bool")
        seed = self.seed
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
            raise bad("seed", "a non-negative integer or None")
        if self.method not in _METHODS:
            raise bad("method", f"one of {list(_METHODS)}")
        object.__setattr__(self, "outputs", _int_tuple(self.outputs, "outputs"))
        if self.label_headers is not None:
            headers = tuple(self.label_headers)
            if (
                not headers
                or any(not isinstance(h, str) or not h for h in headers)
                or len(set(headers)) != len(headers)
            ):
                raise bad("label_headers", "distinct non-empty strings")
            if self.outputs is not None and len(self.outputs) != len(headers):
                raise bad("label_headers", f"{len(self.outputs)} names, one per output")
            object.__setattr__(self, "label_headers", headers)


@dataclass(frozen=True)
class Explanation:
    """SHAP values of the explained rows, their global aggregation, and how they were made.

    Attributes
    ----------
    method : {"kernel_shap", "tree_shap"}
        The explainer used.
    labels : tuple of LabelAttributions
        Per explained output: ``global_shap_values`` and ``expected_value``
        (``explanations.kernel_shap.<label>`` of analysis.json).
    feature_names : tuple of str
    local_shap_values : ndarray of shape (n_rows, n_features, n_labels)
        One value per row, feature and label, in the explained output's units.
    model_output : ndarray of shape (n_rows, n_labels)
        The explained output per row (through the logit with ``use_logit``):
        ``local_shap_values.sum(axis=1) + expected_value`` up to the estimation's rounding.
    agg_method : str
    use_logit : bool
    seed : int
        The seed used (given, or drawn when none was given).
    num_samples : int or None
        KernelSHAP's coalitions per row; None for TreeSHAP.
    n_rows, n_baseline : int
        Rows explained; baseline (background) rows.
    model_calls, rows_predicted : int
        Predictor calls (HTTP requests for an endpoint) and rows they predicted.
    fallback_reason : str or None
        With ``method="auto"`` and KernelSHAP used: why TreeSHAP was not (None otherwise).
    local_shap_values_url : str or None
        Where the local values were written as Parquet, if asked.
    """

    method: ExplainerName
    labels: tuple[LabelAttributions, ...]
    feature_names: tuple[str, ...]
    local_shap_values: FloatArray = field(repr=False, compare=False)
    model_output: FloatArray = field(repr=False, compare=False)
    agg_method: AggregationMethod
    use_logit: bool
    seed: int
    num_samples: int | None
    n_rows: int
    n_baseline: int
    model_calls: int
    rows_predicted: int
    fallback_reason: str | None = None
    local_shap_values_url: str | None = None

    @property
    def expected_values(self) -> FloatArray:
        """``expected_value`` per label, shape (n_labels,)."""
        return np.array([label.expected_value for label in self.labels], dtype=np.float64)


def _matrix(value: ArrayLike, name: str, n_features: int | None) -> FloatArray:
    try:
        matrix = np.ascontiguousarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidParameterError(
            f"{name} of explain must be numbers. Got {exc} instead.", field=name
        ) from None
    if matrix.ndim != 2:
        raise InvalidParameterError(
            f"{name} of explain must have shape (n_rows, n_features). Got shape "
            f"{matrix.shape} instead.",
            field=name,
        )
    if matrix.shape[0] == 0:
        raise EmptyDatasetError(f"{name} of explain holds no rows", field=name)
    if n_features is not None and matrix.shape[1] != n_features:
        raise InvalidParameterError(
            f"{name} of explain must have {n_features} columns, one per feature name. Got "
            f"{matrix.shape[1]} instead.",
            field=name,
        )
    return matrix


def _as_2d(outputs: FloatArray) -> FloatArray:
    return outputs[:, None] if outputs.ndim == 1 else outputs


def _row_seed(seed: int, row: int) -> int:
    return int(np.random.SeedSequence([seed, row]).generate_state(1)[0])


def _probabilities(outputs: FloatArray, where: str) -> FloatArray:
    if outputs.min() < 0.0 or outputs.max() > 1.0:
        raise InvalidParameterError(
            f"use_logit needs probabilities in [0, 1]; the model answered values from "
            f"{outputs.min()!r} to {outputs.max()!r} for the {where}",
            field="use_logit",
        )
    return np.clip(outputs, LOGIT_EPSILON, 1.0 - LOGIT_EPSILON)


def _logit(p: FloatArray) -> FloatArray:
    return np.asarray(np.log(p / (1.0 - p)), dtype=np.float64)


def _kernel_shap(
    predictor: Predictor,
    x: FloatArray,
    background: FloatArray,
    live: FloatArray,
    select: tuple[int, ...],
    *,
    use_logit: bool,
    num_samples: int,
    seed: int,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(local values (n, M, D), expected values (D,), explained outputs (n, D))."""
    import shap
    from threadpoolctl import ThreadpoolController

    columns = list(select)
    chosen = live[:, columns]
    if use_logit:
        chosen = _probabilities(chosen, "explained rows")
    own_outputs: dict[bytes, FloatArray] = {x[i].tobytes(): chosen[i] for i in range(x.shape[0])}
    controller = ThreadpoolController()
    blas_threads = max(
        (lib["num_threads"] for lib in controller.info() if lib.get("user_api") == "blas"),
        default=1,
    )
    single = len(columns) == 1

    def model(rows: Any) -> FloatArray:
        z = np.ascontiguousarray(rows, dtype=np.float64)
        hit = own_outputs.get(z[0].tobytes()) if z.shape[0] == 1 else None
        out: FloatArray
        if hit is not None:
            out = hit[None, :]
        else:
            with controller.limit(limits=blas_threads, user_api="blas"):
                out = _as_2d(predictor.predict(z))
            if out.shape[1] <= max(columns):
                raise ModelInvocationError(
                    f"the model answered {out.shape[1]} outputs per row, fewer than before"
                )
            out = out[:, columns]
            if use_logit:
                out = _probabilities(out, "synthetic rows")
        return out[:, 0] if single else out

    state = np.random.get_state()
    try:
        with controller.limit(limits=1, user_api="blas"):
            explainer = shap.KernelExplainer(
                model, background, link="logit" if use_logit else "identity"
            )
            rows = []
            for i in range(x.shape[0]):
                np.random.seed(_row_seed(seed, i))
                phi = explainer.shap_values(x[i], nsamples=num_samples, l1_reg=False, silent=True)
                rows.append(np.asarray(phi, dtype=np.float64).reshape(x.shape[1], len(columns)))
    finally:
        np.random.set_state(state)
    expected = np.asarray(explainer.expected_value, dtype=np.float64).reshape(len(columns))
    explained = _logit(chosen) if use_logit else chosen
    return np.stack(rows), expected, explained


def _close(a: FloatArray, b: FloatArray, scale: float) -> tuple[bool, float]:
    if a.shape != b.shape:
        return False, math.inf
    diff = float(np.max(np.abs(a - b))) if a.size else 0.0
    return diff <= TREE_TOLERANCE * scale, diff


def _tree_shap(
    predictor: Predictor,
    x: FloatArray,
    background: FloatArray,
    live: FloatArray,
    select: tuple[int, ...],
) -> tuple[FloatArray, FloatArray] | str:
    """(local values (n, M, D), expected values (D,)), or why TreeSHAP does not apply."""
    if not isinstance(predictor, ModelPredictor):
        return (
            f"TreeSHAP needs a loaded model object; the predictor is a {type(predictor).__name__}"
        )
    model = predictor.model
    import shap

    try:
        explainer = shap.TreeExplainer(
            model, data=background, feature_perturbation="interventional", model_output="raw"
        )
    except Exception as exc:
        return f"shap.TreeExplainer does not take a {type(model).__name__} ({type(exc).__name__})"
    base = _as_2d(predictor.predict(background))
    scale = 1.0 + max(float(np.abs(live).max()), float(np.abs(base).max()))
    what = f"{type(model).__name__}.{predictor.method}"
    k = min(32, background.shape[0], x.shape[0])
    try:
        raw = np.asarray(explainer.model.predict(np.vstack([background[:k], x[:k]])), float)
    except Exception:  # a private helper of shap's; the efficiency check below still runs
        raw = None
    if raw is not None:
        raw = _as_2d(raw)
        if raw.shape[1] != live.shape[1]:
            return (
                f"the tree ensemble's raw output has {raw.shape[1]} values per row, "
                f"{what} {live.shape[1]}: TreeSHAP would explain another function "
                "(a classifier's margin?)"
            )
        same, diff = _close(raw, np.vstack([base[:k], live[:k]]), scale)
        if not same:
            return (
                f"the tree ensemble's raw output is not {what}'s output (largest difference "
                f"{diff:.3g}): TreeSHAP would explain another function (a classifier's margin?)"
            )
    phi = np.asarray(explainer.shap_values(x, check_additivity=False), dtype=np.float64)
    if phi.ndim == 2:
        phi = phi[:, :, None]
    expected = np.asarray(explainer.expected_value, dtype=np.float64).reshape(-1)
    same_x, diff_x = _close(phi.sum(axis=1) + expected, live, scale)
    same_b, diff_b = _close(expected, base.mean(axis=0), scale)
    if not (same_x and same_b):
        return (
            f"TreeSHAP's values of {type(model).__name__} do not add up to {what}'s output "
            f"(largest difference {max(diff_x, diff_b):.3g})"
        )
    columns = list(select)
    return phi[:, :, columns], expected[columns]


def explain(
    predictor: Predictor,
    rows: ArrayLike,
    *,
    baseline: ArrayLike,
    feature_names: Sequence[str],
    options: ShapOptions | None = None,
    local_shap_values_url: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> Explanation:
    """SHAP values of ``rows`` against the ``baseline`` rows, aggregated per feature and label.

    Parameters
    ----------
    predictor : Predictor
        The model: :class:`~vigil.jobs.predictors.ModelPredictor`, ``CallablePredictor`` or
        ``EndpointPredictor``.
    rows : array-like of shape (n_rows, n_features)
        The rows to explain (a baseline dataset, or a monitoring window's sample).
    baseline : array-like of shape (n_baseline, n_features)
        Clarify's ``baseline``: the background rows; one row (e.g. the data's mean) to ~100.
    feature_names : sequence of str of length n_features
        Distinct names, in column order.
    options : ShapOptions, optional
        Default: ``ShapOptions()`` (Clarify's defaults, a drawn seed, ``auto`` explainer).
    local_shap_values_url : str, optional
        Write the local values there as Parquet (:func:`write_local_shap_values`).
    storage_options : mapping, optional
        For the object store of ``local_shap_values_url``.

    Returns
    -------
    Explanation

    Raises
    ------
    InvalidParameterError
        If the arrays or names do not fit together, an output index is out of range, the
        outputs are not probabilities with ``use_logit``, or ``method="tree_shap"`` does not
        apply (the message says why).
    EmptyDatasetError
        If ``rows`` or ``baseline`` holds no row.
    ModelInvocationError
        If the model or endpoint fails or answers something that is not numbers.
    StorageError
        If writing the local values fails.

    References
    ----------
    S. M. Lundberg and S.-I. Lee, "A unified approach to interpreting model predictions",
    NeurIPS 2017 (KernelSHAP); AWS, "SHAP Baselines for Explainability" and "Feature
    Attributions that Use Shapley Values" (SageMaker Developer Guide,
    ``clarify-feature-attribute-shap-baselines``, ``clarify-shapley-values``).

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> model = LinearRegression().fit([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [0.0, 1.0, 2.0])
    >>> e = explain(ModelPredictor(model), [[1.0, 1.0], [2.0, 1.0]], baseline=[[0.0, 0.0]],
    ...             feature_names=["a", "b"], options=ShapOptions(seed=0))
    >>> e.method, e.num_samples, e.model_calls, e.fallback_reason is not None
    ('kernel_shap', 2, 4, True)
    >>> {k: round(v, 6) for k, v in e.labels[0].global_shap_values.items()}
    {'a': 1.5, 'b': 2.0}
    """
    opts = options or ShapOptions()
    names = tuple(str(n) for n in feature_names)
    if not names or len(set(names)) != len(names):
        raise InvalidParameterError(
            f"feature_names of explain must be distinct names. Got {list(names)[:10]} instead.",
            field="feature_names",
        )
    x = _matrix(rows, "rows", len(names))
    background = _matrix(baseline, "baseline", len(names))
    seed = opts.seed if opts.seed is not None else secrets.randbits(32)
    calls, predicted = predictor.calls, predictor.rows_predicted

    live = _as_2d(predictor.predict(x))
    select = opts.outputs if opts.outputs is not None else tuple(range(live.shape[1]))
    if max(select) >= live.shape[1]:
        raise InvalidParameterError(
            f"outputs of ShapOptions must index the model's {live.shape[1]} outputs. Got "
            f"{list(select)} instead.",
            field="outputs",
        )
    headers = opts.label_headers or tuple(f"label{j}" for j in range(len(select)))
    if len(headers) != len(select):
        raise InvalidParameterError(
            f"label_headers of ShapOptions must name the {len(select)} explained outputs. Got "
            f"{list(headers)} instead.",
            field="label_headers",
        )

    tree: tuple[FloatArray, FloatArray] | str | None = None
    if opts.method != "kernel_shap":
        tree = (
            "use_logit explains log-odds of the mean output, which no tree ensemble outputs"
            if opts.use_logit
            else _tree_shap(predictor, x, background, live, select)
        )
        if isinstance(tree, str) and opts.method == "tree_shap":
            raise InvalidParameterError(
                f"method tree_shap does not answer the question here: {tree}", field="method"
            )
    num_samples: int | None
    if tree is not None and not isinstance(tree, str):
        method: ExplainerName = "tree_shap"
        phi, expected = tree
        explained = live[:, list(select)]
        num_samples = None
    else:
        method = "kernel_shap"
        num_samples = clarify_num_samples(len(names), opts.num_samples)
        phi, expected, explained = _kernel_shap(
            predictor,
            x,
            background,
            live,
            select,
            use_logit=opts.use_logit,
            num_samples=num_samples,
            seed=seed,
        )
    fallback = tree if isinstance(tree, str) else None
    labels = tuple(
        LabelAttributions.from_local_shap_values(
            header,
            phi[:, :, j],
            names,
            expected_value=float(expected[j]),
            agg_method=opts.agg_method,
        )
        for j, header in enumerate(headers)
    )
    result = Explanation(
        method=method,
        labels=labels,
        feature_names=names,
        local_shap_values=phi,
        model_output=explained,
        agg_method=opts.agg_method,
        use_logit=opts.use_logit,
        seed=seed,
        num_samples=num_samples,
        n_rows=x.shape[0],
        n_baseline=background.shape[0],
        model_calls=predictor.calls - calls,
        rows_predicted=predictor.rows_predicted - predicted,
        fallback_reason=fallback,
        local_shap_values_url=local_shap_values_url,
    )
    if local_shap_values_url is not None:
        write_local_shap_values(result, local_shap_values_url, storage_options=storage_options)
    return result


def _label_major(a: FloatArray) -> FloatArray:
    """(n, ..., d) → (d * n, ...): every row of label 0, then of label 1, …."""
    moved = np.ascontiguousarray(np.moveaxis(a, -1, 0))
    return np.asarray(moved.reshape(a.shape[-1] * a.shape[0], *a.shape[1:-1]), dtype=np.float64)


def write_local_shap_values(
    explanation: Explanation,
    url: str,
    *,
    storage_options: Mapping[str, Any] | None = None,
) -> None:
    """Write the local SHAP values as one Parquet file (long format: a row per row and label).

    Columns: ``_row`` (int64, the 0-based index of the explained row), ``_label`` (string),
    one float64 column per feature (in feature order, named as the feature),
    ``_expected_value`` and ``_model_output`` (float64; the features' values sum to
    ``_model_output - _expected_value``). The schema metadata key ``vigil.explanation`` holds
    JSON: ``method``, ``seed``, ``num_samples``, ``agg_method``, ``use_logit``, ``n_baseline``.

    Parameters
    ----------
    explanation : Explanation
    url : str
        Local path or fsspec URL of the file.
    storage_options : mapping, optional

    Raises
    ------
    InvalidParameterError
        If a feature is named like one of :data:`LOCAL_SHAP_COLUMNS`.
    StorageError
        If writing fails.
    """
    clash = set(explanation.feature_names) & set(LOCAL_SHAP_COLUMNS)
    if clash:
        raise InvalidParameterError(
            f"feature names {sorted(clash)} clash with the columns of the local SHAP file",
            field="feature_names",
        )
    phi = explanation.local_shap_values
    n, _, d = phi.shape
    values = _label_major(phi)
    columns: dict[str, Any] = {
        "_row": pa.array(np.tile(np.arange(n, dtype=np.int64), d)),
        "_label": pa.array(np.repeat([label.label for label in explanation.labels], n)),
    }
    for j, name in enumerate(explanation.feature_names):
        columns[name] = pa.array(values[:, j])
    columns["_expected_value"] = pa.array(np.repeat(explanation.expected_values, n))
    columns["_model_output"] = pa.array(_label_major(explanation.model_output))
    metadata = {
        "method": explanation.method,
        "seed": explanation.seed,
        "num_samples": explanation.num_samples,
        "agg_method": explanation.agg_method,
        "use_logit": explanation.use_logit,
        "n_baseline": explanation.n_baseline,
    }
    table = pa.table(columns).replace_schema_metadata({"vigil.explanation": orjson.dumps(metadata)})
    sink = io.BytesIO()
    pq.write_table(table, sink)
    write_bytes(url, sink.getvalue(), storage_options=storage_options)
