"""The data-quality section: distributions from the documents, distances equal to the job's."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.reports.conftest import Execution

from vigil.core.distribution import CategoricalCounts, WeightedSample
from vigil.errors import InvalidParameterError
from vigil.formats.constraints import Constraints
from vigil.formats.statistics import Statistics
from vigil.formats.violations import ConstraintViolations
from vigil.jobs.baseline import suggest_baseline
from vigil.reports.data_quality import (
    MAX_OVERVIEW_FEATURES,
    categorical_bins,
    data_quality_section,
    numeric_bins,
)


def _docs(e: Execution) -> dict[str, object]:
    return {
        "statistics": Statistics.from_file(e.output / "statistics.json"),
        "baseline_statistics": Statistics.from_file(e.baseline / "statistics.json"),
        "constraints": Constraints.from_file(e.baseline / "constraints.json"),
        "violations": ConstraintViolations.from_file(e.output / "constraint_violations.json"),
    }


def test_distances_are_the_jobs_own(dq_execution: Execution) -> None:
    section = data_quality_section(**_docs(dq_execution))  # type: ignore[arg-type]
    job = {f.name: f.drift for f in dq_execution.result.report.features}
    assert [f.name for f in section.features] == list(job)
    for feature in section.features:
        mine, theirs = feature.drift, job[feature.name]
        assert mine is not None and theirs is not None
        assert (mine.method, mine.threshold, mine.drifted) == (
            theirs.method,
            theirs.threshold,
            theirs.drifted,
        )
        assert mine.distance == pytest.approx(theirs.distance, abs=1e-12)
    assert section.drifted == 3  # x000, s005, x010


def test_checks_come_from_the_violations_file(dq_execution: Execution) -> None:
    section = data_quality_section(**_docs(dq_execution))  # type: ignore[arg-type]
    by_name = {f.name: f for f in section.features}
    assert by_name["s005"].violations == ("baseline_drift_check", "categorical_values_check")
    assert by_name["x007"].violations == ("completeness_check",)
    assert by_name["x007"].status == "violation"
    assert by_name["x001"].violations == () and by_name["x001"].status == "ok"
    assert by_name["x007"].completeness_constraint is not None
    assert by_name["x007"].current is not None and by_name["x007"].current.completeness is not None
    assert by_name["x007"].current.completeness < by_name["x007"].completeness_constraint


def test_overview_chart_lists_the_largest_distances_first(dq_execution: Execution) -> None:
    section = data_quality_section(**_docs(dq_execution))  # type: ignore[arg-type]
    assert section.distance_chart is not None
    points = section.distance_chart["data"]["values"]
    assert len(points) == min(12, MAX_OVERVIEW_FEATURES)
    distances = [p["d"] for p in points]
    assert distances == sorted(distances, reverse=True)
    assert {p["f"] for p in points if p["x"]} == {"x000", "s005", "x010"}


def test_numeric_bins_are_numpy_histograms_of_the_raw_values(tmp_path: Path) -> None:
    """Fewer values than the KLL sketch's k: the sketch is exact, so are the bins."""
    rng = np.random.default_rng(3)
    base, cur = rng.normal(0, 1, 1500), rng.normal(0.5, 1.5, 1200)
    for name, values in (("base", base), ("cur", cur)):
        pq.write_table(pa.table({"v": values}), tmp_path / f"{name}.parquet")
        suggest_baseline(str(tmp_path / f"{name}.parquet"), output=str(tmp_path / name))
    section = data_quality_section(
        Statistics.from_file(tmp_path / "cur" / "statistics.json"),
        baseline_statistics=Statistics.from_file(tmp_path / "base" / "statistics.json"),
        bins=15,
    )
    (feature,) = section.features
    edges = np.linspace(min(base.min(), cur.min()), max(base.max(), cur.max()), 16)
    expected_base = np.histogram(base, edges)[0] / base.size
    expected_cur = np.histogram(cur, edges)[0] / cur.size
    assert [b.baseline for b in feature.bins] == pytest.approx(expected_base, abs=1e-12)
    assert [b.current for b in feature.bins] == pytest.approx(expected_cur, abs=1e-12)
    assert feature.bins[0].label.startswith(f"[{edges[0]:.4g}, ")
    assert feature.bins[-1].label.endswith(f"{edges[-1]:.4g}]")
    assert feature.chart is not None
    assert len(feature.chart["data"]["values"]) == 30  # 15 bins x 2 series


def test_numeric_bins_of_one_value_and_of_nothing() -> None:
    one = WeightedSample.from_values([2.0, 2.0])
    (only,) = numeric_bins(one, None)
    assert (only.label, only.baseline, only.current) == ("[2, 2]", 1.0, None)
    assert numeric_bins(None, WeightedSample.from_values([])) == ()


def test_categorical_bins_sum_the_rest_and_keep_new_values() -> None:
    base = CategoricalCounts({"a": 50.0, "b": 30.0, "c": 15.0, "d": 5.0})
    cur = CategoricalCounts({"a": 40.0, "b": 20.0, "new": 40.0})
    bins = categorical_bins(base, cur, max_categories=3)
    assert [b.label for b in bins] == ["a", "new", "b", "(2 other values)"]
    assert [b.baseline for b in bins] == pytest.approx([0.5, 0.0, 0.3, 0.2])
    assert [b.current for b in bins] == pytest.approx([0.4, 0.4, 0.2, 0.0])
    assert math.isclose(sum(b.baseline or 0 for b in bins), 1.0)


def test_a_baseline_report_has_one_side_and_no_distance(dq_execution: Execution) -> None:
    baseline = Statistics.from_file(dq_execution.baseline / "statistics.json")
    section = data_quality_section(baseline)
    assert all(f.drift is None and f.baseline is None for f in section.features)
    assert all(
        b.baseline is None and b.current is not None for f in section.features for b in f.bins
    )
    assert section.distance_chart is None


def test_missing_and_extra_columns_get_rows(dq_execution: Execution) -> None:
    docs = _docs(dq_execution)
    current = docs["statistics"]
    assert isinstance(current, Statistics)
    raw = current.to_dict()
    raw["features"] = [f for f in raw["features"] if f["name"] != "x001"]
    raw["features"][0] = {**raw["features"][0], "name": "brand_new"}
    docs["statistics"] = Statistics.from_dict(raw)
    section = data_quality_section(**docs)  # type: ignore[arg-type]
    by_name = {f.name: f for f in section.features}
    assert by_name["x001"].current is None and by_name["x001"].drift is None
    assert by_name["brand_new"].baseline is None and by_name["brand_new"].drift is None
    assert by_name["x000"].current is None  # renamed away


@pytest.mark.parametrize(("name", "value"), [("bins", 0), ("max_categories", True)])
def test_bad_sizes_are_typed_errors(dq_execution: Execution, name: str, value: object) -> None:
    with pytest.raises(InvalidParameterError, match=name):
        data_quality_section(
            Statistics.from_file(dq_execution.output / "statistics.json"),
            **{name: value},  # type: ignore[arg-type]
        )
