"""Aggregation of local SHAP values: the three Clarify methods, shapes and bad input."""

from __future__ import annotations

import numpy as np
import pytest

from vigil.core.attribution import (
    AGGREGATION_METHODS,
    LabelAttributions,
    aggregate_shap_values,
)
from vigil.errors import InvalidParameterError


@pytest.mark.parametrize("agg_method", AGGREGATION_METHODS)
def test_methods_match_their_definition_in_2d_and_3d(agg_method: str) -> None:
    rng = np.random.default_rng(3)
    phi = rng.normal(size=(101, 7, 3))
    expected = {
        "mean_abs": np.mean(np.abs(phi), axis=0),
        "mean_sq": np.mean(phi**2, axis=0),
        "median": np.median(phi, axis=0),
    }[agg_method]
    got3 = aggregate_shap_values(phi, agg_method=agg_method)  # type: ignore[arg-type]
    assert got3.shape == (7, 3)
    np.testing.assert_allclose(got3, expected, rtol=1e-14)
    got2 = aggregate_shap_values(phi[:, :, 1], agg_method=agg_method)  # type: ignore[arg-type]
    assert got2.shape == (7,)
    np.testing.assert_allclose(got2, expected[:, 1], rtol=1e-14)


def test_default_is_mean_abs_and_median_is_signed() -> None:
    phi = np.array([[-1.0, 2.0], [-3.0, 2.0], [-2.0, -10.0]])
    assert aggregate_shap_values(phi).tolist() == [2.0, 14.0 / 3.0]
    assert aggregate_shap_values(phi, agg_method="median").tolist() == [-2.0, 2.0]


@pytest.mark.parametrize(
    ("phi", "kwargs"),
    [
        (np.zeros((0, 3)), {}),
        (np.zeros(3), {}),
        (np.zeros((2, 2, 2, 2)), {}),
        (np.array([[1.0, np.nan]]), {}),
        (np.ones((2, 2)), {"agg_method": "max"}),
    ],
)
def test_bad_input_is_a_typed_error(phi: np.ndarray, kwargs: dict) -> None:
    with pytest.raises(InvalidParameterError):
        aggregate_shap_values(phi, **kwargs)


def test_label_attributions_from_local_values() -> None:
    phi = np.array([[0.1, -0.4, 0.0], [0.3, 0.4, 0.0]])
    a = LabelAttributions.from_local_shap_values(
        "label1", phi, ["x", "y", "z"], expected_value=0.5, agg_method="mean_sq"
    )
    assert a.label == "label1" and a.expected_value == 0.5
    assert list(a.global_shap_values) == ["x", "y", "z"]
    assert a.global_shap_values["y"] == pytest.approx(0.16)
    with pytest.raises(InvalidParameterError, match="distinct"):
        LabelAttributions.from_local_shap_values("l", phi, ["x", "x", "z"])
    with pytest.raises(InvalidParameterError, match="3 distinct"):
        LabelAttributions.from_local_shap_values("l", phi, ["x", "y"])
    with pytest.raises(InvalidParameterError, match="expected_value"):
        LabelAttributions.from_local_shap_values("l", phi, ["x", "y", "z"], expected_value=np.nan)
