"""The data-quality baseline job against real SageMaker output, the spec's example and real data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tests.datasets import SDK

from vigil.demo.acs import AcsFiles
from vigil.errors import (
    DatasetNotFoundError,
    EmptyDatasetError,
    InvalidParameterError,
    MalformedRowError,
)
from vigil.jobs.baseline import infer_dataset_format, suggest_baseline
from vigil.storage.objectstore import read_bytes

DQ_CSV = SDK / "tests__data__pipeline__quality_check_step__data_quality__baseline_dataset.csv"
DQ_STATS = SDK / "tests__data__pipeline__quality_check_step__data_quality__statistics.json"
DQ_CONSTRAINTS = (
    SDK / "tests__data__pipeline__quality_check_step__data_quality__good_cases__constraints.json"
)


def _features(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["name"]: f for f in doc["features"]}


def test_sdk_baseline_reproduces_real_statistics(tmp_path: Path) -> None:
    result = suggest_baseline(str(DQ_CSV), dataset_format="csv", header=False, output=str(tmp_path))
    real = json.loads(DQ_STATS.read_text())
    mine = json.loads((tmp_path / "statistics.json").read_text())
    assert mine["dataset"] == real["dataset"] == {"item_count": 100}
    real_f, mine_f = _features(real), _features(mine)
    assert list(mine_f) == list(real_f) == [f"_c{i}" for i in range(6)]
    for name, want in real_f.items():
        got = mine_f[name]
        assert got["inferred_type"] == want["inferred_type"] == "Fractional"
        w, g = want["numerical_statistics"], got["numerical_statistics"]
        assert g["common"] == w["common"]
        for key in ("mean", "sum", "std_dev", "min", "max"):
            assert g[key] == pytest.approx(w[key], abs=1e-9), (name, key)
        w_kll, g_kll = w["distribution"]["kll"], g["distribution"]["kll"]
        assert g_kll["buckets"] == w_kll["buckets"], name  # bounds and counts exactly
        assert g_kll["sketch"] == w_kll["sketch"], name  # parameters and level data exactly
    assert result.dataset_statistics.item_count == 100


def test_sdk_baseline_suggests_the_real_constraints(tmp_path: Path) -> None:
    suggest_baseline(str(DQ_CSV), dataset_format="csv", header=False, output=str(tmp_path))
    # byte for byte: same values, same key order, same Jackson-style printing
    assert (tmp_path / "constraints.json").read_text() == DQ_CONSTRAINTS.read_text()


def test_written_statistics_differ_from_real_only_in_last_digits_of_std_dev(tmp_path: Path) -> None:
    suggest_baseline(str(DQ_CSV), dataset_format="csv", header=False, output=str(tmp_path))
    real = DQ_STATS.read_text().splitlines()
    mine = (tmp_path / "statistics.json").read_text().splitlines()
    assert len(mine) == len(real)
    differing = [(a, b) for a, b in zip(real, mine, strict=True) if a != b]
    # Deequ accumulates the variance row by row (Welford); Vigil per batch (Chan): the last ulp may differ.
    assert all('"std_dev"' in a and '"std_dev"' in b for a, b in differing)


SPEC_BOUNDS = [
    (1.0, 1.9), (1.9, 2.8), (2.8, 3.7), (3.7, 4.6), (4.6, 5.5),
    (5.5, 6.4), (6.4, 7.3), (7.3, 8.2), (8.2, 9.1), (9.1, 10.0),
]  # fmt: skip


def test_spec_constructed_example_one_to_ten(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("x\n" + "\n".join(str(i) for i in range(1, 11)) + "\n")
    result = suggest_baseline(str(path))
    feature = result.statistics.to_dict()["features"][0]
    assert feature == {
        "name": "x",
        "inferred_type": "Integral",
        "numerical_statistics": {
            "common": {"num_present": 10, "num_missing": 0},
            "mean": 5.5,
            "sum": 55.0,
            "std_dev": 2.8722813232690143,
            "min": 1.0,
            "max": 10.0,
            "distribution": {
                "kll": {
                    "buckets": [
                        {"lower_bound": lo, "upper_bound": hi, "count": 1.0}
                        for lo, hi in SPEC_BOUNDS
                    ],
                    "sketch": {
                        "parameters": {"c": 0.64, "k": 2048.0},
                        "data": [[float(i) for i in range(1, 11)]],
                    },
                }
            },
        },
    }


def test_string_feature_gets_categories_and_domain(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    rows = [{"color": c, "n": i} for i, c in enumerate(["red", "blue", "red", "green"] * 25)]
    rows.append({"color": None, "n": -1})
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = suggest_baseline(str(path))
    stats = _features(result.statistics.to_dict())
    color = stats["color"]["string_statistics"]
    assert color["common"] == {"num_present": 100, "num_missing": 1}
    assert color["distinct_count"] == 3.0
    assert color["distribution"]["categorical"]["buckets"] == [
        {"value": "red", "count": 50},
        {"value": "blue", "count": 25},
        {"value": "green", "count": 25},
    ]
    constraints = _features(result.constraints.to_dict())
    assert constraints["color"]["string_constraints"]["domains"] == ["red", "blue", "green"]
    # 100 of 101 present: a 95% lower bound, floored to 2 decimals
    assert constraints["color"]["completeness"] == 0.97
    assert constraints["n"]["num_constraints"] == {"is_non_negative": False}
    assert stats["n"]["inferred_type"] == "Integral"


def test_workers_and_partitions_give_the_same_baseline(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 60_000
    table = pa.table(
        {
            "a": rng.normal(size=n),
            "b": rng.integers(0, 100, n),
            "c": pa.array(rng.choice(["x", "y", "z"], n)),
        }
    )
    path = tmp_path / "t.parquet"
    pq.write_table(table, path, row_group_size=7_000)
    one = suggest_baseline(str(path), workers=1, partition_bytes=1 << 30)
    many = suggest_baseline(str(path), workers=2, partition_bytes=1)
    assert many.partitions == 9 and one.partitions == 1
    a, b = one.dataset_statistics, many.dataset_statistics
    assert a.item_count == b.item_count == n
    for ca, cb in zip(a.columns, b.columns, strict=True):
        assert ca.inferred_type is cb.inferred_type
        assert ca.categories == cb.categories
        if ca.numeric is not None:
            assert cb.numeric is not None
            assert ca.numeric.mean == pytest.approx(cb.numeric.mean, rel=1e-12)
            assert ca.numeric.std_dev == pytest.approx(cb.numeric.std_dev, rel=1e-12)
            assert (ca.numeric.min, ca.numeric.max) == (cb.numeric.min, cb.numeric.max)
            exact = np.sort(table.column(ca.name).to_numpy())
            wanted = np.array([0.1, 0.5, 0.9]) * n
            for sketch in (ca.numeric.sketch, cb.numeric.sketch):
                values = sketch.quantiles([0.1, 0.5, 0.9])
                low = np.searchsorted(exact, values, side="left")  # ties: any rank in [low, high]
                high = np.searchsorted(exact, values, side="right")
                slack = sketch.rank_error_bound() + 1
                assert np.all((wanted >= low - slack) & (wanted <= high + slack))


def test_baseline_reads_and_writes_s3(s3_bucket: str, tmp_path: Path) -> None:
    from vigil.storage.objectstore import write_bytes

    write_bytes(f"{s3_bucket}/train/part-0.csv", DQ_CSV.read_bytes())
    result = suggest_baseline(
        f"{s3_bucket}/train/", dataset_format="csv", header=False, output=f"{s3_bucket}/baseline"
    )
    assert result.statistics_url == f"{s3_bucket}/baseline/statistics.json"
    written = json.loads(read_bytes(f"{s3_bucket}/baseline/statistics.json"))
    local = suggest_baseline(str(DQ_CSV), header=False, output=str(tmp_path))
    assert written == json.loads((tmp_path / "statistics.json").read_text())
    assert local.constraints.to_dict() == json.loads(
        read_bytes(f"{s3_bucket}/baseline/constraints.json")
    )


def test_acs_reference_baseline_matches_pandas(acs_files: AcsFiles, tmp_path: Path) -> None:
    result = suggest_baseline(str(acs_files.reference), output=str(tmp_path), workers=2)
    df = pq.read_table(acs_files.reference).to_pandas()
    stats = result.dataset_statistics
    assert stats.item_count == len(df) == 68_785
    age = stats.column("AGEP")
    assert age is not None and age.numeric is not None
    assert age.numeric.mean == pytest.approx(df["AGEP"].mean(), rel=1e-12)
    assert age.numeric.std_dev == pytest.approx(df["AGEP"].std(ddof=0), rel=1e-10)
    sex = stats.column("SEX")
    assert sex is not None and sex.inferred_type.value == "String"  # pandas category → String
    assert dict(sex.categories) == df["SEX"].astype(str).value_counts().to_dict()
    constraints = _features(result.constraints.to_dict())
    assert set(constraints["SEX"]["string_constraints"]["domains"]) == {"1", "2"}
    assert constraints["AGEP"]["num_constraints"] == {"is_non_negative": True}


def test_errors_name_the_input(tmp_path: Path) -> None:
    with pytest.raises(DatasetNotFoundError, match="nope"):
        suggest_baseline(str(tmp_path / "nope.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n3\n4,5\n")
    with pytest.raises(MalformedRowError) as info:
        suggest_baseline(str(bad))
    assert (info.value.path, info.value.line) == (str(bad), 3)
    skipped = suggest_baseline(str(bad), on_malformed="skip")
    assert skipped.dataset_statistics.item_count == 2
    assert skipped.malformed.count == 1
    assert skipped.malformed.examples[0][:2] == (str(bad), 3)
    header_only = tmp_path / "h.csv"
    header_only.write_text("a,b\n")
    with pytest.raises(EmptyDatasetError, match="no rows"):
        suggest_baseline(str(header_only))
    with pytest.raises(InvalidParameterError, match="dataset_format"):
        suggest_baseline(str(tmp_path / "data.bin"))


@pytest.mark.parametrize(
    ("spec", "fmt"),
    [("a.csv", "csv"), ("a.csv.gz", "csv"), ("s3://b/x.jsonl", "json"), ("d/x.pq", "parquet")],
)
def test_infer_dataset_format(spec: str, fmt: str) -> None:
    assert infer_dataset_format(spec) == fmt
