"""SHAP explanations: efficiency, TreeSHAP = KernelSHAP, the auto choice, seeds, Parquet output."""

from __future__ import annotations

from pathlib import Path

import lightgbm
import numpy as np
import pyarrow.parquet as pq
import pytest
import xgboost
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import LogisticRegression

from vigil.core.attribution import ndcg_score
from vigil.errors import EmptyDatasetError, InvalidParameterError
from vigil.jobs.explain import (
    LOCAL_SHAP_COLUMNS,
    ShapOptions,
    clarify_num_samples,
    explain,
)
from vigil.jobs.predictors import CallablePredictor, ModelPredictor

EFFICIENCY_TOLERANCE = 1e-9
"""KernelSHAP rows sum to f(x) - expected_value within this (absolute, outputs of order 1-10):
shap solves the least squares under the efficiency constraint, so only rounding remains."""

TREE_KERNEL_TOLERANCE = 1e-6
"""TreeSHAP and exact KernelSHAP (all coalitions) agree within this, relative to the output's
scale (float64 models; XGBoost, which predicts in float32, gets 1e-4)."""


def _data(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, m))
    y = 3 * x[:, 0] + x[:, 1] ** 2 + np.sin(2 * x[:, 2]) + 0.5 * x[:, 0] * x[:, m - 1]
    return x, y + rng.normal(0, 0.1, n)


def _names(m: int) -> list[str]:
    return [f"x{i}" for i in range(m)]


@pytest.mark.parametrize("use_logit", [False, True])
def test_kernel_shap_rows_sum_to_output_minus_expected_value(use_logit: bool) -> None:
    x, y = _data(400, 12, 0)  # 12 features: 2072 of 4094 coalitions, sampled
    model = LogisticRegression(max_iter=500).fit(x, y > 1)
    predictor = ModelPredictor(model)
    e = explain(
        predictor,
        x[:15],
        baseline=x[100:110],
        feature_names=_names(12),
        options=ShapOptions(seed=3, use_logit=use_logit, method="kernel_shap"),
    )
    assert e.method == "kernel_shap" and e.num_samples == 2 * 12 + 2048
    assert [label.label for label in e.labels] == ["label0", "label1"]
    p = model.predict_proba(x[:15])
    p_base = model.predict_proba(x[100:110]).mean(axis=0)
    if use_logit:
        expected_output, expected_value = np.log(p / (1 - p)), np.log(p_base / (1 - p_base))
    else:
        expected_output, expected_value = p, p_base
    np.testing.assert_allclose(e.model_output, expected_output, rtol=1e-12)
    np.testing.assert_allclose(e.expected_values, expected_value, rtol=1e-12)
    sums = e.local_shap_values.sum(axis=1) + e.expected_values
    assert np.abs(sums - e.model_output).max() <= EFFICIENCY_TOLERANCE
    # the two probabilities of a binary model are mirror images
    np.testing.assert_allclose(
        e.local_shap_values[:, :, 0], -e.local_shap_values[:, :, 1], atol=1e-12
    )


@pytest.mark.parametrize(
    ("name", "model", "tolerance"),
    [
        ("gbr", GradientBoostingRegressor(n_estimators=40, random_state=0), TREE_KERNEL_TOLERANCE),
        ("rf", RandomForestRegressor(20, max_depth=6, random_state=0), TREE_KERNEL_TOLERANCE),
        ("lgbm", lightgbm.LGBMRegressor(n_estimators=40, verbose=-1), TREE_KERNEL_TOLERANCE),
        ("xgb", xgboost.XGBRegressor(n_estimators=40, max_depth=4), 1e-4),
    ],
)
def test_tree_shap_equals_exact_kernel_shap_on_a_small_regressor(
    name: str, model: object, tolerance: float
) -> None:
    x, y = _data(600, 6, 1)
    model.fit(x, y)  # type: ignore[attr-defined]
    rows, background = x[:40], x[200:210]
    tree = explain(
        ModelPredictor(model),
        rows,
        baseline=background,
        feature_names=_names(6),
        options=ShapOptions(seed=0),
    )
    kernel = explain(
        ModelPredictor(model),
        rows,
        baseline=background,
        feature_names=_names(6),
        options=ShapOptions(seed=0, method="kernel_shap"),
    )
    assert tree.method == "tree_shap" and tree.fallback_reason is None, tree.fallback_reason
    assert tree.num_samples is None
    assert kernel.method == "kernel_shap" and kernel.num_samples == 62  # every coalition: exact
    scale = 1 + np.abs(kernel.model_output).max()
    assert np.abs(tree.local_shap_values - kernel.local_shap_values).max() <= tolerance * scale
    assert abs(tree.expected_values[0] - kernel.expected_values[0]) <= tolerance * scale
    # TreeSHAP calls the model twice (rows, baseline), KernelSHAP once more per row
    assert tree.model_calls == 2 and kernel.model_calls == 2 + 40


def test_sampled_kernel_shap_ranks_features_as_tree_shap_does() -> None:
    """20 features, Clarify's default 2088 of 2**20 - 2 coalitions: the ranking holds."""
    x, y = _data(1000, 20, 2)
    model = GradientBoostingRegressor(n_estimators=60, random_state=0).fit(x, y)
    kwargs = {"baseline": x[500:510], "feature_names": _names(20)}
    tree = explain(ModelPredictor(model), x[:40], **kwargs)  # type: ignore[arg-type]
    kernel = explain(
        ModelPredictor(model),
        x[:40],
        options=ShapOptions(seed=5, method="kernel_shap"),
        **kwargs,  # type: ignore[arg-type]
    )
    assert (tree.method, kernel.method, kernel.num_samples) == ("tree_shap", "kernel_shap", 2088)
    t, k = tree.labels[0].global_shap_values, kernel.labels[0].global_shap_values
    assert ndcg_score(t, k) > 0.999
    for feature in ("x0", "x1", "x2", "x3"):  # the features the target uses
        assert k[feature] == pytest.approx(t[feature], rel=0.05, abs=0.01)


def test_auto_uses_tree_shap_only_where_it_answers_the_question() -> None:
    x, y = _data(500, 5, 3)
    names, label = _names(5), y > 1
    kwargs = {"baseline": x[300:305], "feature_names": names}

    boosted = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(x, label)
    e = explain(ModelPredictor(boosted), x[:5], options=ShapOptions(seed=1), **kwargs)  # type: ignore[arg-type]
    assert e.method == "kernel_shap"
    assert e.fallback_reason is not None and "margin" in e.fallback_reason

    forest = RandomForestClassifier(20, random_state=0).fit(x, label)  # raw output = probability
    e = explain(ModelPredictor(forest), x[:5], options=ShapOptions(outputs=(1,)), **kwargs)  # type: ignore[arg-type]
    assert e.method == "tree_shap" and len(e.labels) == 1
    np.testing.assert_allclose(e.model_output[:, 0], forest.predict_proba(x[:5])[:, 1])

    logit = explain(ModelPredictor(forest), x[:5], options=ShapOptions(use_logit=True), **kwargs)  # type: ignore[arg-type]
    assert logit.method == "kernel_shap" and "use_logit" in (logit.fallback_reason or "")

    plain = explain(CallablePredictor(forest.predict_proba), x[:5], **kwargs)  # type: ignore[arg-type]
    assert plain.method == "kernel_shap" and "model object" in (plain.fallback_reason or "")

    with pytest.raises(InvalidParameterError, match="tree_shap") as info:
        explain(ModelPredictor(boosted), x[:5], options=ShapOptions(method="tree_shap"), **kwargs)  # type: ignore[arg-type]
    assert info.value.field == "method"
    lr = LogisticRegression().fit(x, label)
    with pytest.raises(InvalidParameterError, match="does not take"):
        explain(ModelPredictor(lr), x[:5], options=ShapOptions(method="tree_shap"), **kwargs)  # type: ignore[arg-type]


def test_seed_is_recorded_and_reproduces_and_global_random_state_is_kept() -> None:
    x, y = _data(300, 12, 4)
    model = GradientBoostingRegressor(n_estimators=20, random_state=0).fit(x, y)
    kwargs = {"baseline": x[200:203], "feature_names": _names(12)}
    np.random.seed(123)
    before = np.random.get_state()[1].copy()  # type: ignore[index]
    drawn = explain(
        ModelPredictor(model),
        x[:6],
        options=ShapOptions(method="kernel_shap"),
        **kwargs,  # type: ignore[arg-type]
    )
    assert (np.random.get_state()[1] == before).all()  # type: ignore[index]
    again = explain(
        ModelPredictor(model),
        x[:6],
        options=ShapOptions(seed=drawn.seed, method="kernel_shap"),
        **kwargs,  # type: ignore[arg-type]
    )
    np.testing.assert_array_equal(drawn.local_shap_values, again.local_shap_values)
    other = explain(
        ModelPredictor(model),
        x[:6],
        options=ShapOptions(seed=drawn.seed + 1, method="kernel_shap"),
        **kwargs,  # type: ignore[arg-type]
    )
    assert not np.array_equal(other.local_shap_values, drawn.local_shap_values)
    # row i depends on (seed, i) only: the batch size does not change anything
    small_batches = explain(
        ModelPredictor(model, batch_size=1000),
        x[:6],
        options=ShapOptions(seed=drawn.seed, method="kernel_shap"),
        **kwargs,  # type: ignore[arg-type]
    )
    np.testing.assert_array_equal(small_batches.local_shap_values, drawn.local_shap_values)
    assert small_batches.model_calls > drawn.model_calls


def test_local_shap_values_parquet(tmp_path: Path) -> None:
    x, y = _data(300, 4, 5)
    model = RandomForestClassifier(10, random_state=0).fit(x, y > 1)
    url = str(tmp_path / "out" / "local_shap_values.parquet")
    e = explain(
        ModelPredictor(model),
        x[:7],
        baseline=x[100:102],
        feature_names=["a", "b", "c", "d"],
        options=ShapOptions(seed=9, label_headers=("no", "yes")),
        local_shap_values_url=url,
    )
    assert e.local_shap_values_url == url
    table = pq.read_table(url)
    assert table.column_names == [
        "_row",
        "_label",
        "a",
        "b",
        "c",
        "d",
        "_expected_value",
        "_model_output",
    ]
    assert table.num_rows == 7 * 2
    assert table.column("_row").to_pylist() == list(range(7)) * 2
    assert table.column("_label").to_pylist() == ["no"] * 7 + ["yes"] * 7
    features = np.column_stack([table.column(c).to_numpy() for c in "abcd"])
    np.testing.assert_allclose(
        features.sum(axis=1) + table.column("_expected_value").to_numpy(),
        table.column("_model_output").to_numpy(),
        atol=1e-6,  # TreeSHAP of a forest: float rounding of the trees' sums
    )
    np.testing.assert_array_equal(features[7:], e.local_shap_values[:, :, 1])
    metadata = table.schema.metadata[b"vigil.explanation"]
    assert b'"method":"tree_shap"' in metadata and b'"seed":9' in metadata
    with pytest.raises(InvalidParameterError, match="clash"):
        explain(
            ModelPredictor(model),
            x[:2],
            baseline=x[:1],
            feature_names=list(LOCAL_SHAP_COLUMNS),
            local_shap_values_url=url,
        )


def test_bad_input_is_a_typed_error() -> None:
    x, y = _data(100, 3, 6)
    p = ModelPredictor(GradientBoostingRegressor(n_estimators=5).fit(x, y))
    with pytest.raises(InvalidParameterError, match="3 columns"):
        explain(p, x[:, :2], baseline=x, feature_names=_names(3))
    with pytest.raises(InvalidParameterError, match="distinct"):
        explain(p, x, baseline=x, feature_names=["a", "a", "b"])
    with pytest.raises(EmptyDatasetError):
        explain(p, x[:0], baseline=x, feature_names=_names(3))
    with pytest.raises(InvalidParameterError, match="outputs"):
        explain(p, x, baseline=x, feature_names=_names(3), options=ShapOptions(outputs=(1,)))
    with pytest.raises(InvalidParameterError, match="label_headers"):
        explain(
            p, x, baseline=x, feature_names=_names(3), options=ShapOptions(label_headers=("a", "b"))
        )
    with pytest.raises(InvalidParameterError, match="probabilities"):
        explain(
            p, x[:3], baseline=x[:2], feature_names=_names(3), options=ShapOptions(use_logit=True)
        )
    for bad in [
        {"num_samples": 0},
        {"agg_method": "max"},
        {"seed": -1},
        {"method": "deep"},
        {"outputs": (1, 1)},
        {"label_headers": ()},
        {"outputs": (0,), "label_headers": ("a", "b")},
        {"use_logit": "yes"},
    ]:
        with pytest.raises(InvalidParameterError):
            ShapOptions(**bad)  # type: ignore[arg-type]
    assert ShapOptions(outputs=[1, 0]).outputs == (1, 0)  # type: ignore[arg-type]


def test_clarify_num_samples() -> None:
    assert clarify_num_samples(20) == 2088
    assert clarify_num_samples(10) == 1022 and clarify_num_samples(11) == 2046
    assert clarify_num_samples(12) == 2072
    assert clarify_num_samples(3, 100) == 6 and clarify_num_samples(1) == 0
    assert clarify_num_samples(100, 5000) == 5000
