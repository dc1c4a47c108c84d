"""The Spark session of the test run, and the comparison of two engines' statistics.json.

One classic ``local[2]`` session serves every Spark test of a pytest process (its JVM takes tens
of seconds to start on a loaded machine); the Spark tests carry ``xdist_group("spark")`` so that
``pytest -n 2 --dist loadgroup`` runs them all in one worker, on one session.

:func:`assert_same_statistics` states and checks the bounds within which the Spark engine's
statistics equal the local engine's (issue 21):

- exactly: the item count, each feature's name and order, inferred type, num_present and
  num_missing (completeness), min and max, distinct counts and the categorical frequencies;
- mean, sum and std_dev within :data:`MOMENT_RTOL` (relative): partition states are merged in
  another order (Chan et al.'s pairwise update), which changes the floating-point rounding only;
- violations: the same (feature, check) pairs with the same descriptions, except that a
  numerical drift distance (computed from the window's sketch) may differ by at most the sum
  of the two sketches' normalised rank errors (``rank_error_bound / n``): the CDF each gives at
  any point is within its own bound of the exact one;
- quantiles within the KLL sketch's rank error: for q in 0.01…0.99 the value each engine's
  sketch gives has a rank in the exact data within that sketch's
  :meth:`~vigil.core.sketch.KLLSketch.rank_error_bound` (+1 for the rank's own discreteness)
  of ``q * n``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pytest

from vigil.core.sketch import KLLSketch

__all__ = ["MOMENT_RTOL", "assert_same_statistics", "assert_same_violations", "spark_engine"]

MOMENT_RTOL = 1e-9
"""Relative tolerance of mean, sum and std_dev between engines (merge-order rounding)."""

QUANTILES = np.linspace(0.01, 0.99, 99)


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Any]:
    """A :class:`~vigil.engine.spark.SparkEngine` on the test run's ``local[2]`` session."""
    from vigil.engine.spark import SparkEngine, spark_session

    session = spark_session(
        "local[2]",
        {
            "spark.ui.enabled": "false",
            "spark.ui.showConsoleProgress": "false",
            "spark.sql.shuffle.partitions": "4",
            "spark.driver.memory": "2g",
        },
    )
    session.sparkContext.setLogLevel("ERROR")
    yield SparkEngine(session=session)
    session.stop()


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=MOMENT_RTOL, abs_tol=1e-12)


def _rank_ok(sketch: KLLSketch, exact: np.ndarray) -> None:
    bound = sketch.rank_error_bound() + 1
    n = exact.size
    for q, v in zip(QUANTILES, sketch.quantiles(QUANTILES), strict=True):
        lo = int(np.searchsorted(exact, v, side="left"))
        hi = int(np.searchsorted(exact, v, side="right"))
        assert lo - bound <= q * n <= hi + bound, (q, v, lo, hi, bound)


def assert_same_statistics(
    local: Mapping[str, Any],
    spark: Mapping[str, Any],
    values: Mapping[str, np.ndarray] | None = None,
) -> None:
    """Check two statistics.json documents (parsed) within the module's stated bounds.

    ``values`` maps a numeric feature to its exact present values (float64), for the
    quantile check; features not in it get their sketches compared by ``n`` only.
    """
    assert local["dataset"] == spark["dataset"]
    names = [f["name"] for f in local["features"]]
    assert names == [f["name"] for f in spark["features"]]
    for a, b in zip(local["features"], spark["features"], strict=True):
        name = a["name"]
        assert a["inferred_type"] == b["inferred_type"], name
        assert a.keys() == b.keys(), name
        if "string_statistics" in a:
            sa, sb = a["string_statistics"], b["string_statistics"]
            assert sa == sb, name  # counts, distinct count and every bucket exactly
        if "numerical_statistics" in a:
            na, nb = a["numerical_statistics"], b["numerical_statistics"]
            assert na["common"] == nb["common"], name
            assert (na["min"], na["max"]) == (nb["min"], nb["max"]), name
            for key in ("mean", "sum", "std_dev"):
                assert _close(na[key], nb[key]), (name, key, na[key], nb[key])
            ka = KLLSketch.from_dict(na["distribution"]["kll"]["sketch"])
            kb = KLLSketch.from_dict(nb["distribution"]["kll"]["sketch"])
            assert ka.n == kb.n == na["common"]["num_present"], name
            if values is not None and name in values:
                exact = np.sort(values[name])
                assert exact.size == ka.n, name
                _rank_ok(ka, exact)
                _rank_ok(kb, exact)


_DISTANCE = re.compile(r"distance: ([-+0-9.eE]+) ")


def _rank_error(doc: Mapping[str, Any], feature: str) -> float:
    for f in doc["features"]:
        if f["name"] == feature and "numerical_statistics" in f:
            sketch = KLLSketch.from_dict(f["numerical_statistics"]["distribution"]["kll"]["sketch"])
            return sketch.rank_error_bound() / max(sketch.n, 1)
    return 0.0


def assert_same_violations(
    local: Sequence[tuple[str, str, str]],
    spark: Sequence[tuple[str, str, str]],
    local_doc: Mapping[str, Any],
    spark_doc: Mapping[str, Any],
) -> None:
    """Check two runs' (feature, check, description) violations within the stated bound."""
    assert [v[:2] for v in local] == [v[:2] for v in spark]
    for (feature, check, a), (_, _, b) in zip(local, spark, strict=True):
        if a == b:
            continue
        assert check == "baseline_drift_check", (feature, a, b)
        da, db = _DISTANCE.search(a), _DISTANCE.search(b)
        assert da is not None and db is not None, (a, b)
        assert _DISTANCE.sub("", a) == _DISTANCE.sub("", b), (a, b)
        bound = _rank_error(local_doc, feature) + _rank_error(spark_doc, feature)
        assert abs(float(da.group(1)) - float(db.group(1))) <= bound, (a, b, bound)
