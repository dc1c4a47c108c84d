"""The demo's data: ACS employment traffic cut into monthly windows, and the model it feeds.

The ACS files (:mod:`vigil.demo.acs`) hold one survey year per file slice and no dates: 2015
(68,785 rows, labelled) trains the model, 2016–2018 (208,892 rows) are the production traffic
and their labels come separately (the delayed ground truth). The demo plays each year as 12
"months" and each month as one simulated hour of traffic, so three years of census traffic go
by in 36 simulated hours. ACS PUMS records carry no interview month and the files keep them in
serial-number order, which puts a year's group-quarters residents (dormitories, prisons,
nursing homes) together at one end of it; slicing that order would invent a drift that is not
in time, so each year's rows go to its months in a seeded random order.

A last window, clearly labelled, replays the final month with an injected shift (ages +30%,
one marital status in seven missing): the real years drift little against 2015 at SageMaker's
default thresholds, and detection deserves to be seen working.

>>> import pyarrow as pa
>>> [len(s) for s in month_slices(pa.table({"id": list(range(10))}), 3)]
[4, 3, 3]
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from vigil.demo.acs import AcsFiles
from vigil.errors import InvalidParameterError

__all__ = [
    "FEATURES",
    "LABEL",
    "PROBABILITY_COLUMNS",
    "TrafficWindow",
    "csv_rows",
    "feature_matrix",
    "inject_shift",
    "month_slices",
    "traffic_windows",
    "train_model",
    "year_rows",
]

FEATURES = ("AGEP", "SCHL", "MAR", "RELP", "DIS", "ESP", "CIT", "MIG", "MIL", "ANC",
            "NATIVITY", "DEAR", "DEYE", "DREM", "SEX", "RAC1P")  # fmt: skip
"""Model inputs, in the order of the CSV request rows."""

LABEL = "employed"
"""The target: 1 employed, 0 not."""

PROBABILITY_COLUMNS = ("probability_not_employed", "probability_employed")
"""The model's CSV answer per row (``predict_proba``): the baseline names of the two columns."""


@dataclass(frozen=True)
class TrafficWindow:
    """One simulated hour of endpoint traffic.

    Attributes
    ----------
    name : str
        ``2016-01`` … ``2018-12``, or ``2018-12 shifted`` for the injected window.
    rows : pyarrow.Table
        ``id`` then :data:`FEATURES`, in replay order; shape (n_rows, 17).
    labels : numpy.ndarray
        Ground truth of each row, shape (n_rows,), int 0/1.
    inference_ids : list of str
        The ``X-Amzn-SageMaker-Inference-Id`` of each row (the label's eventId): the ACS
        ``id``, prefixed with ``shifted-`` in the injected window so ids stay unique.
    injected : bool
        True for the synthetic, shifted window.
    """

    name: str
    rows: pa.Table
    labels: np.ndarray
    inference_ids: list[str]
    injected: bool = False

    def __len__(self) -> int:
        return int(self.rows.num_rows)


def month_slices(table: pa.Table, months: int = 12) -> list[pa.Table]:
    """Cut ``table`` into ``months`` contiguous slices of near-equal size (the first ones get
    the extra rows).

    Raises
    ------
    InvalidParameterError
        If ``months`` is not positive.
    """
    if months < 1:
        raise InvalidParameterError(
            f"months must be a positive integer. Got {months!r} instead.", field="months"
        )
    size, extra = divmod(table.num_rows, months)
    out, start = [], 0
    for m in range(months):
        n = size + (1 if m < extra else 0)
        out.append(table.slice(start, n))
        start += n
    return out


def inject_shift(table: pa.Table) -> pa.Table:
    """The injected shift: ``AGEP`` × 1.3 and every 7th ``MAR`` missing. Deterministic (by row
    position).
    """
    n = table.num_rows
    position = np.arange(n)
    age = pc.multiply(table["AGEP"], 1.3)
    mar = pc.if_else(
        pa.array(position % 7 == 0), pa.scalar(None, pa.string()), _strings(table["MAR"])
    )
    for name, column in (("AGEP", age), ("MAR", mar)):
        table = table.set_column(table.schema.get_field_index(name), name, column)
    return table


def _strings(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array.cast(pa.string())


def traffic_windows(
    files: AcsFiles,
    *,
    years: Sequence[int] = (2016, 2017, 2018),
    every: int = 1,
    injected: bool = True,
    seed: int = 0,
) -> list[TrafficWindow]:
    """The production traffic: 12 monthly windows per year, then the injected window.

    Parameters
    ----------
    files : AcsFiles
    years : sequence of int, default=(2016, 2017, 2018)
    every : int, default=1
        Replay every ``every``-th row of each month (1: all of them).
    injected : bool, default=True
        Append the shifted copy of the last month.
    seed : int, default=0
        Seed of the order in which a year's rows are dealt to its months.

    Raises
    ------
    InvalidParameterError
        If a year is not in the data or ``every`` is not positive.
    """
    if every < 1:
        raise InvalidParameterError(
            f"every must be a positive integer. Got {every!r} instead.", field="every"
        )
    analysis = pq.read_table(files.analysis, columns=["id", *FEATURES, "year"])
    target = pq.read_table(files.analysis_target, columns=["id", LABEL])
    labels = dict(zip(target["id"].to_pylist(), target[LABEL].to_pylist(), strict=True))
    known = set(pc.unique(analysis["year"]).to_pylist())
    windows: list[TrafficWindow] = []
    for year in years:
        if year not in known:
            raise InvalidParameterError(
                f"year {year} is not in the ACS analysis data (it holds {sorted(known)}).",
                field="years",
            )
        rows = analysis.filter(pc.equal(analysis["year"], year)).select(["id", *FEATURES])
        rows = rows.take(np.random.default_rng([seed, year]).permutation(rows.num_rows))
        for month, part in enumerate(month_slices(rows), start=1):
            part = part.take(pa.array(np.arange(0, part.num_rows, every)))
            ids = part["id"].to_pylist()
            windows.append(
                TrafficWindow(
                    f"{year}-{month:02d}",
                    part,
                    np.array([labels[i] for i in ids], dtype=np.int64),
                    [str(i) for i in ids],
                )
            )
    if injected and windows:
        last = windows[-1]
        windows.append(
            TrafficWindow(
                f"{last.name} shifted",
                inject_shift(last.rows),
                last.labels,
                [f"shifted-{i}" for i in last.inference_ids],
                injected=True,
            )
        )
    return windows


def year_rows(files: AcsFiles, years: Sequence[int]) -> int:
    """How many rows of the ACS analysis data fall in ``years``."""
    year = pq.read_table(files.analysis, columns=["year"])["year"]
    return int(pc.sum(pc.is_in(year, pa.array(list(years), year.type))).as_py() or 0)


def feature_matrix(table: pa.Table) -> np.ndarray:
    """The model's input: :data:`FEATURES` as float64, shape (n_rows, 16); missing → NaN."""
    columns = []
    for name in FEATURES:
        column = table[name]
        if not pa.types.is_floating(column.type) and not pa.types.is_integer(column.type):
            column = _strings(column)
        columns.append(pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False))
    return np.column_stack(columns)


def csv_rows(table: pa.Table) -> list[str]:
    """One CSV line (no newline) of :data:`FEATURES` per row: the request bodies.

    Whole numbers print without a decimal point (``62`` not ``62.0``), as the survey codes
    them; a missing value is an empty field.
    """
    columns = []
    for name in FEATURES:
        values = table[name].to_pylist()
        columns.append(["" if v is None else _text(v) for v in values])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(zip(*columns, strict=True))
    return out.getvalue().splitlines()


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


@dataclass(frozen=True)
class TrainedModel:
    """A model trained on 2015 and the 2015 rows it was not trained on.

    Attributes
    ----------
    estimator : sklearn.pipeline.Pipeline
    train, holdout : pyarrow.Table
        ``id``, :data:`FEATURES` and :data:`LABEL`.
    holdout_probability : numpy.ndarray
        ``predict_proba`` of the hold-out, shape (n_holdout, 2).
    """

    estimator: object
    train: pa.Table
    holdout: pa.Table
    holdout_probability: np.ndarray


def train_model(
    reference: str | Path,
    *,
    holdout_fraction: float = 0.2,
    max_rows: int | None = None,
    seed: int = 0,
) -> TrainedModel:
    """Train a gradient-boosted classifier on 2015.

    A scikit-learn pipeline: missing values imputed with each feature's most frequent 2015
    value, then ``GradientBoostingClassifier`` (100 trees of depth 3). Chosen over
    ``HistGradientBoostingClassifier`` for its single-row latency (≈0.4 ms against ≈3 ms with
    OpenMP threads), which is what an endpoint answering one request per row pays.

    Parameters
    ----------
    reference : path
        ``employment_MA_reference.pq``.
    holdout_fraction : float, default=0.2
        Share of 2015 (a seeded random draw) kept out of training: the model-quality baseline.
    max_rows : int, optional
        Use at most this many 2015 rows (a seeded random draw): quicker tests.
    seed : int, default=0

    Raises
    ------
    InvalidParameterError
        If ``holdout_fraction`` is not in (0, 1).
    """
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if not 0.0 < holdout_fraction < 1.0:
        raise InvalidParameterError(
            f"holdout_fraction must be in (0, 1). Got {holdout_fraction!r} instead.",
            field="holdout_fraction",
        )
    table = pq.read_table(reference, columns=["id", *FEATURES, LABEL])
    rng = np.random.default_rng(seed)
    order = rng.permutation(table.num_rows)
    if max_rows is not None:
        order = order[:max_rows]
    cut = round(len(order) * (1.0 - holdout_fraction))
    train = table.take(pa.array(np.sort(order[:cut])))
    holdout = table.take(pa.array(np.sort(order[cut:])))
    estimator = make_pipeline(
        SimpleImputer(strategy="most_frequent"),
        GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=seed),
    )
    estimator.fit(feature_matrix(train), train[LABEL].to_numpy())
    return TrainedModel(estimator, train, holdout, estimator.predict_proba(feature_matrix(holdout)))
