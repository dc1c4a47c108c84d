"""The registry: a literal, read-only name -> Distance mapping."""

from __future__ import annotations

import typing

import pytest

from vigil.core.drift import DISTANCES, Distance, DistanceName, get_distance
from vigil.errors import InvalidParameterError

NAMES = {
    "linf_simple",
    "linf_robust",
    "chisquare",
    "psi",
    "jensen_shannon",
    "wasserstein",
    "hellinger",
    "ks",
}


def test_names() -> None:
    assert set(DISTANCES) == NAMES
    assert set(typing.get_args(DistanceName)) == NAMES
    for name, spec in DISTANCES.items():
        assert isinstance(spec, Distance)
        assert spec.name == name
        assert spec == type(spec)()  # registered with its default options
        assert spec.kinds
        assert spec.kinds <= {"numeric", "categorical"}
        assert spec.symmetric_kinds <= spec.kinds
        assert spec.range[0] <= spec.default_threshold <= spec.range[1]
        assert spec.description
        assert "\n" not in spec.description


def test_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        DISTANCES["psi"] = DISTANCES["ks"]  # type: ignore[index]


def test_get_distance() -> None:
    assert get_distance("psi") is DISTANCES["psi"]
    with pytest.raises(InvalidParameterError) as info:
        get_distance("Robust")
    message = str(info.value)
    for name in NAMES:
        assert name in message
    assert "'Robust'" in message
    assert info.value.field == "name"
    with pytest.raises(ValueError, match="must be one of"):
        get_distance(3)  # type: ignore[arg-type]


def test_specs_are_frozen() -> None:
    with pytest.raises(AttributeError):
        DISTANCES["psi"].default_threshold = 0.5  # type: ignore[misc]


def test_defaults() -> None:
    expected = {
        "linf_simple": 0.1,
        "linf_robust": 0.1,
        "chisquare": 0.05,
        "psi": 0.2,
        "jensen_shannon": 0.1,
        "wasserstein": 0.1,
        "hellinger": 0.1,
        "ks": 0.05,
    }
    assert {n: s.default_threshold for n, s in DISTANCES.items()} == expected
