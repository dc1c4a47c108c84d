"""``statistics.json`` for data quality (and the baseline): spec §2.

A :class:`Statistics` document holds ``version`` (0.0), ``dataset.item_count`` and one
:class:`FeatureStatistics` per column, with either ``numerical_statistics`` (mean, sum, population
std_dev, min, max, 10 equal-width KLL buckets and the KLL sketch itself) or ``string_statistics``
(distinct_count as a float, categorical buckets).

Numbers are written as SageMaker writes them: statistics, bucket bounds and KLL bucket counts as
floats (``231.0``, ``24.0``), ``distinct_count`` as a float, and ``num_present``, ``num_missing``,
``item_count`` and categorical bucket counts as ints. Reading accepts ints or floats for all of them.

Examples
--------
>>> doc = Statistics.from_json('{"dataset": {"item_count": 2.0}, "features": [{"name": "a", '
...     '"inferred_type": "String", "string_statistics": {"common": '
...     '{"num_present": 1, "num_missing": 1}, "distinct_count": 1}}]}')
>>> doc.dataset.item_count, doc.feature("a").completeness, doc.feature("b")
(2, 0.5, None)
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, StrictFloat

from vigil.formats._document import Count, Document, JsonFloat, SageMakerModel
from vigil.types import InferredType

__all__ = [
    "DEFAULT_KLL_C",
    "DEFAULT_KLL_K",
    "CategoricalBucket",
    "CategoricalDistribution",
    "CommonStatistics",
    "DatasetStatistics",
    "FeatureStatistics",
    "KllBucket",
    "KllDistribution",
    "KllParameters",
    "KllSketch",
    "NumericalDistribution",
    "NumericalStatistics",
    "Statistics",
    "StringDistribution",
    "StringStatistics",
]

DEFAULT_KLL_C = 0.64
"""KLL shrinking factor ``c`` that Deequ (and so SageMaker) uses (spec §2.2)."""

DEFAULT_KLL_K = 2048.0
"""KLL sketch size ``k`` that Deequ uses; SageMaker writes it as a float (spec §2.2)."""


class CommonStatistics(SageMakerModel):
    """``common``: counts of non-null (``num_present``) and null (``num_missing``) values."""

    num_present: Count
    num_missing: Count


class KllBucket(SageMakerModel):
    """One of the 10 equal-width histogram buckets ``[lower_bound, upper_bound)`` (last one closed).

    ``count`` is the (sketch-approximated) number of values in the bucket, written as a float.
    """

    lower_bound: JsonFloat
    upper_bound: JsonFloat
    count: JsonFloat


class KllParameters(SageMakerModel):
    """``sketch.parameters``: shrinking factor ``c`` (0.64) and sketch size ``k`` (2048.0)."""

    c: JsonFloat = DEFAULT_KLL_C
    k: JsonFloat = DEFAULT_KLL_K


class KllSketch(SageMakerModel):
    """A Deequ KLL sketch: ``data[h]`` holds the items of compactor level ``h``, each of weight 2**h.

    Items are kept in the order the sketch holds them (insertion order at level 0), not sorted.
    """

    parameters: KllParameters = Field(default_factory=KllParameters)
    data: list[list[StrictFloat]] = Field(default_factory=list)


class KllDistribution(SageMakerModel):
    """``distribution.kll``: the bucket histogram and, optionally, the sketch it came from."""

    buckets: list[KllBucket] = Field(default_factory=list)
    sketch: KllSketch | None = None


class NumericalDistribution(SageMakerModel):
    """``numerical_statistics.distribution``: holds ``kll``."""

    kll: KllDistribution | None = None


class NumericalStatistics(SageMakerModel):
    """Statistics of an ``Integral`` or ``Fractional`` column (spec §2.1–2.2).

    ``std_dev`` is the *population* standard deviation. Any of the numbers may be absent (or
    ``"NaN"``) for a column without values.
    """

    common: CommonStatistics
    mean: JsonFloat | None = None
    sum: JsonFloat | None = None
    std_dev: JsonFloat | None = None
    min: JsonFloat | None = None
    max: JsonFloat | None = None
    distribution: NumericalDistribution | None = None

    @property
    def kll(self) -> KllDistribution | None:
        """``distribution.kll``, or None if absent."""
        return self.distribution.kll if self.distribution is not None else None


class CategoricalBucket(SageMakerModel):
    """One ``{value, count}`` entry of a string column's value histogram."""

    value: str
    count: Count


class CategoricalDistribution(SageMakerModel):
    """``distribution.categorical``: the value histogram, most frequent first."""

    buckets: list[CategoricalBucket] = Field(default_factory=list)


class StringDistribution(SageMakerModel):
    """``string_statistics.distribution``: holds ``categorical``."""

    categorical: CategoricalDistribution | None = None


class StringStatistics(SageMakerModel):
    """Statistics of a ``String`` column: ``distinct_count`` (approximate, written as a float)."""

    common: CommonStatistics
    distinct_count: JsonFloat | None = None
    distribution: StringDistribution | None = None

    @property
    def categorical(self) -> CategoricalDistribution | None:
        """``distribution.categorical``, or None if absent."""
        return self.distribution.categorical if self.distribution is not None else None


class DatasetStatistics(SageMakerModel):
    """``dataset``: ``item_count`` rows; model-quality files add ``evaluation_time`` (ISO-8601)."""

    item_count: Count
    evaluation_time: str | None = None


class FeatureStatistics(SageMakerModel):
    """One column of :class:`Statistics`: its name, inferred type and statistics block."""

    name: str
    inferred_type: InferredType
    numerical_statistics: NumericalStatistics | None = None
    string_statistics: StringStatistics | None = None

    @property
    def common(self) -> CommonStatistics | None:
        """The ``common`` counts of whichever statistics block is present."""
        if self.numerical_statistics is not None:
            return self.numerical_statistics.common
        if self.string_statistics is not None:
            return self.string_statistics.common
        return None

    @property
    def completeness(self) -> float | None:
        """``num_present / (num_present + num_missing)`` in [0, 1]; None without counts or rows."""
        common = self.common
        if common is None or common.num_present + common.num_missing == 0:
            return None
        return common.num_present / (common.num_present + common.num_missing)


class Statistics(Document):
    """A data-quality ``statistics.json`` document (spec §2).

    Attributes
    ----------
    version : float, default=0.0
    dataset : DatasetStatistics or None
        ``item_count``: number of rows analysed.
    features : list of FeatureStatistics
        One entry per column, in column order.
    """

    _kinds: ClassVar[frozenset[str]] = frozenset({"statistics"})

    version: JsonFloat = 0.0
    dataset: DatasetStatistics | None = None
    features: list[FeatureStatistics] = Field(default_factory=list)

    def feature(self, name: str) -> FeatureStatistics | None:
        """The first feature called ``name``, or None if there is none."""
        return next((f for f in self.features if f.name == name), None)
