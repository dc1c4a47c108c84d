"""Mergeable column and dataset profiles, and the frozen statistics they produce.

A :class:`ColumnProfile` accumulates one column over Arrow arrays (``update``), combines with a
profile of another partition of the same column (``merge``), and produces a frozen
:class:`ColumnStatistics` (``to_statistics``). ``merge(p(a), p(b))`` equals ``p(a ∪ b)``:
exactly for counts, sum, min and max; to floating-point rounding for mean and standard
deviation (Chan et al.'s pairwise update); within the sketch's rank error for the KLL quantiles;
and exactly for categorical counts while they are exact (see :mod:`vigil.core.frequency`).

What is computed follows SageMaker's analyzer (spec/sagemaker-model-monitor.md §2.2):
population standard deviation, a Deequ KLL sketch (k=2048, c=0.64), type inference by Deequ's
regexes (:mod:`vigil.core.infer`), categorical frequencies for String columns.

References
----------
T. F. Chan, G. H. Golub, R. J. LeVeque. "Updating Formulae and a Pairwise Algorithm for
Computing Sample Variances." COMPSTAT 1982 (the merge of mean and M2).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from vigil.core.frequency import DEFAULT_MAX_EXACT, FrequentValues
from vigil.core.infer import (
    TextSummary,
    TypeCounts,
    count_types,
    infer_type,
    numeric_values,
    sagemaker_type,
    summarize_text,
    typed_numbers,
)
from vigil.core.sketch import KLLSketch
from vigil.errors import InvalidParameterError
from vigil.types import InferredType

__all__ = [
    "NUMERIC_TEXT_FREQUENCY_CAP",
    "READER_DICTIONARY",
    "ColumnProfile",
    "ColumnStatistics",
    "DatasetProfile",
    "DatasetStatistics",
    "NumericSummary",
    "ProfileOptions",
]

NUMERIC_TEXT_FREQUENCY_CAP = 1_000
"""Distinct numeric-looking values of a text column whose frequencies are kept.

Frequencies matter only if the column turns out String. A text column whose numeric-looking
values have more distinct values than this stops counting them (its text values are still
counted); if such a column is later inferred String, its categorical buckets hold only its
non-numeric values, and ``ColumnStatistics.buckets_complete`` is False. Counting also stops
earlier, once there are more than 100 distinct numeric values making up more than a tenth of
the numeric values seen: a column of mostly distinct numbers is a measurement, not a code.
"""

READER_DICTIONARY = b"vigil.reader_dictionary"
"""Arrow field-metadata key marking a column that the *reader* dictionary-encoded.

A dictionary-encoded column is normally a declaration by the writer that the column is
categorical (pandas ``category``), so it is profiled as String. A reader may also
dictionary-encode plain text columns because it decodes them faster that way (Parquet stores
them so); it then sets this key on the field, and :meth:`DatasetProfile.update` profiles the
column as the plain text column it was written as.
"""

_MIN_DISTINCT_FOR_RATIO = 100
_MAX_DISTINCT_RATIO = 0.1


@dataclass(frozen=True)
class ProfileOptions:
    """How columns are profiled.

    Attributes
    ----------
    kll_k : int, default=2048
        KLL sketch size (SageMaker/Deequ ``k``).
    kll_c : float, default=0.64
        KLL shrinking factor (SageMaker/Deequ ``c``).
    max_exact_categories : int, default=65536
        Distinct values counted exactly per column before a frequent-items sketch takes over.
    string_columns : frozenset of str
        Columns forced to String whatever their values look like (categorical codes such as
        ``"1"``, ``"2"`` that Deequ's regexes would call Integral). Dictionary-encoded Arrow
        columns (pandas ``category``) are always String: their writer declared them categorical.
    """

    kll_k: int = 2048
    kll_c: float = 0.64
    max_exact_categories: int = DEFAULT_MAX_EXACT
    string_columns: frozenset[str] = frozenset()
    numeric_columns: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NumericSummary:
    """Moments and extremes of the numeric values of a column.

    Attributes
    ----------
    count : int
        Numeric values seen.
    sum, mean, min, max : float
        As usual (NaN when ``count`` is 0).
    std_dev : float
        Population standard deviation ``sqrt(M2 / count)`` (Deequ ``stateful_stddev_pop``).
    sketch : KLLSketch
        The KLL sketch of the values (a copy; mutating it does not change the profile).
    """

    count: int
    sum: float
    mean: float
    std_dev: float
    min: float
    max: float
    sketch: KLLSketch


@dataclass(frozen=True)
class ColumnStatistics:
    """Frozen statistics of one column, what statistics.json reports for a feature.

    Attributes
    ----------
    name : str
    inferred_type : InferredType
        The type as written to statistics.json (Boolean is reported as String).
    num_present, num_missing : int
        Non-null and null values.
    type_counts : TypeCounts
        Values per Deequ type class (for the data-type check).
    numeric : NumericSummary or None
        For Integral / Fractional columns.
    categories : list of (value, count)
        For String columns: values by decreasing count.
    distinct_count : float or None
        For String columns: exact while categories are exact, else a HyperLogLog estimate.
    buckets_complete : bool
        False when ``categories`` is known to miss values (see NUMERIC_TEXT_FREQUENCY_CAP) or
        holds sketch estimates.
    values_seen_once : int or None
        Distinct values occurring exactly once, when known (drives domain suggestion).
    """

    name: str
    inferred_type: InferredType
    num_present: int
    num_missing: int
    type_counts: TypeCounts
    numeric: NumericSummary | None = None
    categories: tuple[tuple[str, int], ...] = ()
    distinct_count: float | None = None
    buckets_complete: bool = True
    values_seen_once: int | None = None

    @property
    def completeness(self) -> float:
        """Fraction (0–1) of non-null values; NaN for a column of no rows."""
        total = self.num_present + self.num_missing
        return self.num_present / total if total else float("nan")


@dataclass(frozen=True)
class DatasetStatistics:
    """Frozen statistics of a dataset: item count and one :class:`ColumnStatistics` per column."""

    item_count: int
    columns: tuple[ColumnStatistics, ...]

    def column(self, name: str) -> ColumnStatistics | None:
        """The statistics of one column, or None."""
        for col in self.columns:
            if col.name == name:
                return col
        return None


class ColumnProfile:
    """Mutable, mergeable accumulator of one column.

    Parameters
    ----------
    name : str
        The column name.
    options : ProfileOptions, optional
    """

    def __init__(self, name: str, options: ProfileOptions | None = None) -> None:
        self.name = name
        self._options = options or ProfileOptions()
        self._types = TypeCounts()
        self._count = 0
        self._sum = 0.0
        self._mean = 0.0
        self._m2 = 0.0
        self._min = math.inf
        self._max = -math.inf
        self._sketch = KLLSketch(self._options.kll_k, self._options.kll_c)
        self._text_frequencies = FrequentValues(self._options.max_exact_categories)
        self._numeric_frequencies: FrequentValues | None = (
            None
            if name in self._options.numeric_columns
            else FrequentValues(self._options.max_exact_categories)
        )
        self._forced_string = name in self._options.string_columns

    @property
    def type_counts(self) -> TypeCounts:
        """Counts per Deequ type class so far."""
        return self._types

    def update(
        self, values: pa.Array | pa.ChunkedArray, *, reader_dictionary: bool = False
    ) -> None:
        """Add the values of one batch of the column.

        Parameters
        ----------
        values : pyarrow Array or ChunkedArray of shape (n_rows,)
        reader_dictionary : bool, default=False
            True when ``values`` is dictionary-encoded only because the reader chose to decode
            it so (see :data:`READER_DICTIONARY`): it is then profiled as plain values. Otherwise
            a dictionary-encoded column is declared categorical and profiled as String.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        type_ = values.type
        if pa.types.is_dictionary(type_):
            if not reader_dictionary:
                self._force_string()
            type_ = type_.value_type
        if pa.types.is_string(type_) or pa.types.is_large_string(type_):
            self._update_text(summarize_text(values))
            return
        if pa.types.is_dictionary(values.type):
            values = values.dictionary_decode()
        typed = typed_numbers(values)
        if typed is not None:
            numbers_counts, numbers = typed
            self._types = self._types + numbers_counts
            if self._forced_string:
                self._text_frequencies.update(values)
            elif numbers.size:
                self._add_numbers(numbers)
            return
        counts = count_types(values)
        self._types = self._types + counts
        if self._forced_string or counts.boolean or counts.string:
            self._text_frequencies.update(values)
        elif counts.integral + counts.fractional:
            self._add_numbers(numeric_values(values))

    def _update_text(self, summary: TextSummary) -> None:
        self._types = self._types + summary.type_counts
        used = summary.counts > 0
        if self._forced_string:
            self._add_frequencies(self._text_frequencies, summary, used)
            return
        numeric = summary.is_numeric
        if summary.type_counts.integral + summary.type_counts.fractional:
            self._add_numbers(summary.numeric_values())
        if summary.type_counts.boolean + summary.type_counts.string:
            self._add_frequencies(self._text_frequencies, summary, used & ~numeric)
        if self._numeric_frequencies is not None:
            wanted = used & numeric
            distinct = self._numeric_frequencies.distinct_count + int(wanted.sum())
            numbers = self._types.integral + self._types.fractional
            if distinct > NUMERIC_TEXT_FREQUENCY_CAP or (
                distinct > _MIN_DISTINCT_FOR_RATIO and distinct > _MAX_DISTINCT_RATIO * numbers
            ):
                self._numeric_frequencies = None  # too many distinct numbers to be categories
            elif wanted.any():
                self._add_frequencies(self._numeric_frequencies, summary, wanted)

    @staticmethod
    def _add_frequencies(table: FrequentValues, summary: TextSummary, mask: np.ndarray) -> None:
        if not mask.any():
            return
        keys = pa.compute.filter(summary.uniques, pa.array(mask))
        table.update_arrays(keys, pa.array(summary.counts[mask]))

    def _force_string(self) -> None:
        """Declare the column categorical (String) from now on, keeping what was counted."""
        if self._forced_string:
            return
        self._forced_string = True
        if self._numeric_frequencies is not None:
            self._text_frequencies.merge(self._numeric_frequencies)

    def _add_numbers(self, x: np.ndarray) -> None:
        if x.size == 0:
            return
        n_b = int(x.size)
        sum_b = float(x.sum())
        mean_b = sum_b / n_b
        deviations = x - mean_b
        # Squares summed pairwise in this thread: no BLAS call, whose threads oversubscribe
        # the cores when several workers (or other programs) are busy, and whose rounding
        # depends on the thread count.
        np.multiply(deviations, deviations, out=deviations)
        m2_b = float(deviations.sum())
        self._combine_moments(n_b, sum_b, mean_b, m2_b, float(x.min()), float(x.max()))
        self._sketch.update(x)

    def _combine_moments(
        self, n_b: int, sum_b: float, mean_b: float, m2_b: float, min_b: float, max_b: float
    ) -> None:
        n_a = self._count
        n = n_a + n_b
        delta = mean_b - self._mean
        self._mean = self._mean + delta * n_b / n
        self._m2 = self._m2 + m2_b + delta * delta * n_a * n_b / n
        self._count = n
        self._sum += sum_b
        self._min = min(self._min, min_b)
        self._max = max(self._max, max_b)

    def merge(self, other: ColumnProfile) -> None:
        """Add another partition's profile of the same column into this one (in place).

        Raises
        ------
        InvalidParameterError
            If the two profiles are of different columns.
        """
        if other.name != self.name:
            raise InvalidParameterError(
                f"other of ColumnProfile.merge must profile column {self.name!r}. "
                f"Got {other.name!r} instead.",
                field="other",
            )
        if other._forced_string:
            self._force_string()
        self._types = self._types + other._types
        if other._count:
            self._combine_moments(
                other._count, other._sum, other._mean, other._m2, other._min, other._max
            )
            self._sketch.merge(other._sketch)
        self._text_frequencies.merge(other._text_frequencies)
        if self._forced_string and not other._forced_string and other._numeric_frequencies:
            self._text_frequencies.merge(other._numeric_frequencies)
        if self._numeric_frequencies is not None and other._numeric_frequencies is not None:
            self._numeric_frequencies.merge(other._numeric_frequencies)
            if self._numeric_frequencies.distinct_count > NUMERIC_TEXT_FREQUENCY_CAP:
                self._numeric_frequencies = None
        else:
            self._numeric_frequencies = None

    def add_missing(self, n_rows: int) -> None:
        """Record ``n_rows`` rows in which the column is absent (counted as missing)."""
        self._types = self._types + TypeCounts(unknown=n_rows)

    def to_statistics(self) -> ColumnStatistics:
        """Freeze the profile into :class:`ColumnStatistics` (the profile stays usable)."""
        counts = self._types
        inferred = (
            (InferredType.STRING if counts.present else InferredType.UNKNOWN)
            if self._forced_string
            else sagemaker_type(infer_type(counts))
        )
        common = {
            "name": self.name,
            "inferred_type": inferred,
            "num_present": counts.present,
            "num_missing": counts.unknown,
            "type_counts": counts,
        }
        if inferred in (InferredType.INTEGRAL, InferredType.FRACTIONAL):
            return ColumnStatistics(**common, numeric=self._numeric_summary())  # type: ignore[arg-type]
        if inferred is InferredType.UNKNOWN:
            return ColumnStatistics(**common)  # type: ignore[arg-type]
        frequencies = self._string_frequencies()
        complete = frequencies is not None and frequencies.is_exact
        table = frequencies if frequencies is not None else self._text_frequencies
        return ColumnStatistics(
            **common,  # type: ignore[arg-type]
            categories=tuple(table.most_common()),
            distinct_count=table.distinct_count,
            buckets_complete=complete,
            values_seen_once=table.values_seen_once() if complete else None,
        )

    def _string_frequencies(self) -> FrequentValues | None:
        """All values' frequencies, or None when numeric-looking values were dropped."""
        if self._forced_string:
            return self._text_frequencies
        if self._types.integral + self._types.fractional == 0:
            return self._text_frequencies
        if self._numeric_frequencies is None:
            return None
        merged = FrequentValues(self._options.max_exact_categories)
        merged.merge(self._text_frequencies)
        merged.merge(self._numeric_frequencies)
        return merged

    def _numeric_summary(self) -> NumericSummary:
        n = self._count
        if n == 0:
            nan = float("nan")
            return NumericSummary(0, 0.0, nan, nan, nan, nan, self._sketch.copy())
        return NumericSummary(
            count=n,
            sum=self._sum,
            mean=self._sum / n,
            std_dev=math.sqrt(max(self._m2, 0.0) / n),
            min=self._min,
            max=self._max,
            sketch=self._sketch.copy(),
        )


@dataclass
class DatasetProfile:
    """Mutable, mergeable profile of a table: one :class:`ColumnProfile` per column, in order.

    Columns are matched by name. A column present in one partition and absent in another counts
    as missing in the rows of the partition that lacks it.
    """

    options: ProfileOptions = field(default_factory=ProfileOptions)
    item_count: int = 0
    columns: dict[str, ColumnProfile] = field(default_factory=dict)

    def update(self, batch: pa.RecordBatch | pa.Table) -> None:
        """Add one batch of rows."""
        n = batch.num_rows
        names = batch.column_names
        if len(set(names)) != len(names):
            dupes = sorted({c for c in names if names.count(c) > 1})
            raise InvalidParameterError(
                f"column names of a dataset must be unique. Got duplicates {dupes} instead.",
                field=dupes[0],
            )
        for name in names:
            if name not in self.columns:
                profile = ColumnProfile(name, self.options)
                profile.add_missing(self.item_count)
                self.columns[name] = profile
        for field_, values in zip(batch.schema, batch.columns, strict=True):
            metadata = field_.metadata
            self.columns[field_.name].update(
                values, reader_dictionary=bool(metadata) and READER_DICTIONARY in metadata
            )
        for name, profile in self.columns.items():
            if name not in names:
                profile.add_missing(n)
        self.item_count += n

    def merge(self, other: DatasetProfile) -> None:
        """Add another partition's profile into this one (in place)."""
        for name, profile in other.columns.items():
            if name in self.columns:
                self.columns[name].merge(profile)
            else:
                mine = ColumnProfile(name, self.options)
                mine.add_missing(self.item_count)
                mine.merge(profile)
                self.columns[name] = mine
        for name, profile in self.columns.items():
            if name not in other.columns:
                profile.add_missing(other.item_count)
        self.item_count += other.item_count

    def to_statistics(self, column_order: Sequence[str] | None = None) -> DatasetStatistics:
        """Freeze into :class:`DatasetStatistics`, columns in ``column_order`` if given."""
        names: Iterable[str] = column_order if column_order is not None else self.columns
        return DatasetStatistics(
            item_count=self.item_count,
            columns=tuple(self.columns[n].to_statistics() for n in names if n in self.columns),
        )
