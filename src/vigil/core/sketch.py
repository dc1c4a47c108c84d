"""The KLL quantile sketch of Deequ 2.0.2, the one behind SageMaker's ``distribution.kll``.

SageMaker Model Monitor's analyzer runs Deequ 2.0.2 and writes each numeric column's
``QuantileNonSample`` sketch into ``statistics.json`` (spec/sagemaker-model-monitor.md §2.1–§2.2):
``sketch.parameters`` holds ``c`` (shrinking factor) and ``k`` (sketch size) and ``sketch.data[h]``
holds the items of compactor level ``h``, each weighing ``2**h``. This module re-implements that
sketch so that, fed the same values in the same order, it holds the same items in the same order,
and it computes the ten equal-width ``buckets`` the way Deequ's ``KLLSketch`` analyzer does.

The algorithm, read from awslabs/deequ (``analyzers/QuantileNonSample.scala``,
``analyzers/NonSampleCompactor.scala``, ``analyzers/KLLSketch.scala``):

* Level ``h`` has capacity ``2 * (ceil(k * c**h / 2) + 1)``; the sketch's total capacity is the sum
  over the levels it has.
* ``update(x)`` appends ``x`` to level 0; when the number of items held then *exceeds* the total
  capacity, ``condense`` compacts the **lowest** level whose size is at least its capacity (one
  level only), adding a level on top first if needed.
* Compacting a level sorts its first ``len - len % 2`` items (an odd last item, in insertion order,
  stays behind), keeps every other sorted item starting at ``offset`` and appends those, in sorted
  order, to the level above. Before each compaction the offset flips when the level's count of
  past compactions is odd, so successive compactions of a level use offsets 0, 1, 1, 0, 0, 1, 1, 0…
  (deterministic: 2.0.2 ships the random choice commented out).
* ``merge(that)`` concatenates level by level (``this`` items first), then condenses while the
  number of items is *at least* the total capacity (``>=``, where ``update`` uses ``>``). The
  compaction counters of ``this`` are kept and those of ``that`` dropped.

Vectorisation: which level Deequ compacts when, and how many items each compaction takes,
depends only on the level sizes, not on the values. :meth:`KLLSketch.update` first replays
Deequ's item-by-item loop on the sizes alone (integer arithmetic, one step per compaction), then
does the item work level by level: each compaction of level ``h`` sorts a contiguous run of the
items level ``h`` holds or receives, so all of a level's runs are sorted in place, one after
the other, in one buffer, and their halves written straight into the next level's buffer. The
result is identical to Deequ's item-by-item update, item for item and counter for counter
(``tests/core/test_sketch.py`` checks it against a literal transcription). :meth:`merge` keeps
the compaction-at-a-time path (a merge condenses a few times at most).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from vigil.core.distribution import WeightedSample
from vigil.errors import DocumentError, InvalidParameterError, SketchError

__all__ = ["DEFAULT_C", "DEFAULT_K", "KLLSketch", "kll_buckets"]

DEFAULT_K = 2048
"""Deequ's ``KLLSketch.DEFAULT_SKETCH_SIZE``, the ``k`` in every SageMaker statistics.json."""

DEFAULT_C = 0.64
"""Deequ's ``KLLSketch.DEFAULT_SHRINKING_FACTOR``, the ``c`` in every SageMaker statistics.json."""

_EMPTY = np.empty(0, dtype=np.float64)


def _check_parameters(k: object, c: object, caller: str) -> tuple[int, float]:
    """Validate ``k`` and ``c`` and return them as ``(int, float)``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise InvalidParameterError(
            f"k of {caller} must be an integer >= 2. Got {k!r} instead.", field="k"
        )
    if (
        isinstance(c, bool)
        or not isinstance(c, float | int | np.floating | np.integer)
        or not 0.0 < float(c) <= 1.0
    ):
        raise InvalidParameterError(
            f"c of {caller} must be a number in (0, 1]. Got {c!r} instead.", field="c"
        )
    return int(k), float(c)


class KLLSketch:
    """Deequ 2.0.2's ``QuantileNonSample[Double]``: a deterministic KLL quantile sketch.

    Items kept at level ``h`` stand for ``2**h`` inserted values each. The sketch is mergeable
    (:meth:`merge`), serialises to SageMaker's ``sketch`` object (:meth:`to_dict`) and pickles
    cheaply (its state is a few numpy arrays).

    Parameters
    ----------
    k : int, default=2048
        Deequ's ``sketchSize``: the capacity of level 0 is ``2 * (ceil(k / 2) + 1)``.
    c : float, default=0.64
        Deequ's ``shrinkingFactor`` in (0, 1]: level ``h`` holds about ``k * c**h`` items.

    Raises
    ------
    InvalidParameterError
        If ``k`` is not an integer >= 2 or ``c`` is not in (0, 1].

    Notes
    -----
    Algorithm and constants: awslabs/deequ tag 2.0.2, ``analyzers/QuantileNonSample.scala`` and
    ``analyzers/NonSampleCompactor.scala``; see the module docstring for a summary. Sorting follows
    the JVM's total order for doubles, so ``-0.0`` sorts before ``0.0`` as in Deequ. Two deliberate
    differences from Deequ: NaN values are skipped by :meth:`update` (Deequ skips only nulls), and
    :meth:`quantiles` uses the inverse CDF of the weighted items rather than Deequ's
    ``quantiles(q: Int)``.

    Examples
    --------
    >>> import numpy as np
    >>> sketch = KLLSketch()
    >>> sketch.update(np.arange(1.0, 11.0))
    >>> sketch.n
    10
    >>> sketch.levels()
    [[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]]
    >>> small = KLLSketch(k=2)
    >>> small.update([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    >>> small.levels()
    [[5.0, 6.0], [1.0, 3.0]]
    """

    __slots__ = ("_actual", "_c", "_caps", "_k", "_levels", "_num_compress", "_offset", "_total")

    def __init__(self, k: int = DEFAULT_K, c: float = DEFAULT_C) -> None:
        self._k, self._c = _check_parameters(k, c, "KLLSketch")
        self._caps: list[int] = []
        self._reset([_EMPTY.copy()], [0], [0])

    # ------------------------------------------------------------------ state

    def _reset(
        self, levels: list[NDArray[np.float64]], num_compress: list[int], offset: list[int]
    ) -> None:
        """Install level buffers and per-level compaction counters; derive the sizes."""
        self._levels = levels
        self._num_compress = num_compress
        self._offset = offset
        self._actual = sum(level.size for level in levels)
        self._total = sum(self._capacity(h) for h in range(len(levels)))

    def _capacity(self, height: int) -> int:
        """Deequ's ``capacity(height) = 2 * (ceil(sketchSize * c**height / 2).toInt + 1)``."""
        caps = self._caps
        while len(caps) <= height:
            caps.append(2 * (math.ceil(self._k * math.pow(self._c, len(caps)) / 2) + 1))
        return caps[height]

    def _expand(self) -> None:
        """Add an empty compactor on top (Deequ ``expand``)."""
        self._levels.append(_EMPTY.copy())
        self._num_compress.append(0)
        self._offset.append(0)
        self._total += self._capacity(len(self._levels) - 1)

    def _compact(self, height: int) -> NDArray[np.float64]:
        """Halve level ``height`` and return the items promoted (Deequ ``NonSampleCompactor.compact``)."""
        buffer = self._levels[height]
        items = buffer.size
        length = items - items % 2
        if self._num_compress[height] % 2 == 1:
            self._offset[height] = 1 - self._offset[height]
        ordered = np.sort(buffer[:length])
        _order_signed_zeros(ordered, buffer[:length])
        self._levels[height] = buffer[length:].copy()
        self._num_compress[height] += 1
        return ordered[self._offset[height] : length : 2]

    def _condense(self) -> bool:
        """Compact the lowest level at or over capacity (Deequ ``condense``); False if none is."""
        levels = self._levels
        self._capacity(len(levels) - 1)  # make sure self._caps covers every level
        caps = self._caps
        for height in range(len(levels)):
            if levels[height].size >= caps[height]:
                if height + 1 >= len(levels):
                    self._expand()
                promoted = self._compact(height)
                levels[height + 1] = np.concatenate((levels[height + 1], promoted))
                self._actual -= promoted.size
                return True
        return False

    def _append(self, values: NDArray[np.float64]) -> None:
        """Deequ's item-by-item ``update`` over ``values`` (no NaN), level by level.

        Which level compacts when, and how many items each compaction takes, depends only on the
        level sizes, never on the values: :meth:`_plan` replays Deequ's update loop on the sizes
        alone. Every compaction of level ``h`` takes a contiguous, even-length run of the items
        that level ``h`` holds or receives (its buffer's prefix; an odd last item waits for the
        next run), and its output is appended to level ``h + 1`` in compaction order. So each
        level's runs can be sorted and halved together (:func:`_halve_runs`), lowest level first.
        """
        count = values.size
        if count == 0:
            return
        levels = self._levels
        if self._actual + count <= self._total:  # no condense: Deequ only appends
            levels[0] = np.concatenate((levels[0], values))
            self._actual += count
            return
        runs, offsets = self._plan(count)
        signed_zeros = _has_negative_zero(values) or any(_has_negative_zero(lv) for lv in levels)
        while len(levels) < len(runs):
            levels.append(_EMPTY.copy())
        # Level h's items in order: what it holds, then what it receives. Always an array of
        # our own (sorted in place below; never a view into the caller's array).
        stream = np.concatenate((levels[0], values))
        for height, level_runs in enumerate(runs):
            if not level_runs:
                levels[height] = stream
                if height + 1 < len(levels):
                    stream = levels[height + 1]
                continue
            consumed = sum(level_runs)
            above = levels[height + 1]  # exists: a compaction of the top level adds one
            promoted = np.empty(above.size + consumed // 2)
            promoted[: above.size] = above
            _halve_runs(stream, level_runs, offsets[height], signed_zeros, promoted[above.size :])
            levels[height] = stream[consumed:].copy()
            stream = promoted
        self._actual = sum(level.size for level in levels)

    def _plan(self, count: int) -> tuple[list[list[int]], list[list[int]]]:
        """Replay Deequ's update loop for ``count`` appended items on the level sizes alone.

        Updates the compaction counters, offsets and total capacity (adding levels as Deequ's
        ``expand`` would) and returns, per level, the length of each run compacted, in order, and
        the offset each compaction used. The item buffers are left to :meth:`_append`.
        """
        sizes = [level.size for level in self._levels]
        caps = self._caps
        self._capacity(len(sizes) - 1)  # make sure caps covers every level
        num_compress, offset = self._num_compress, self._offset
        total, actual = self._total, self._actual
        runs: list[list[int]] = [[] for _ in sizes]
        offsets: list[list[int]] = [[] for _ in sizes]
        start = 0
        while start < count:
            # Deequ condenses after the item that makes actual > total; take exactly that many.
            take = count - start
            room = total - actual + 1
            if room < take:
                take = room if room > 1 else 1
            sizes[0] += take
            actual += take
            start += take
            if actual <= total:
                continue
            # condense: the lowest level at or over capacity (one exists since actual > total)
            height = 0
            while sizes[height] < caps[height]:
                height += 1
            if height + 1 == len(sizes):  # expand
                sizes.append(0)
                num_compress.append(0)
                offset.append(0)
                runs.append([])
                offsets.append([])
                total += self._capacity(len(sizes) - 1)
            length = sizes[height] - (sizes[height] & 1)
            if num_compress[height] & 1:
                offset[height] = 1 - offset[height]
            num_compress[height] += 1
            runs[height].append(length)
            offsets[height].append(offset[height])
            sizes[height] -= length
            sizes[height + 1] += length >> 1
            actual -= length >> 1
        self._total = total
        return runs, offsets

    # -------------------------------------------------------------- properties

    @property
    def k(self) -> int:
        """Deequ's ``sketchSize`` (SageMaker ``parameters.k``)."""
        return self._k

    @property
    def c(self) -> float:
        """Deequ's ``shrinkingFactor`` (SageMaker ``parameters.c``)."""
        return self._c

    @property
    def n(self) -> int:
        """Total weight: the number of (non-NaN) values the sketch stands for."""
        return sum(level.size << height for height, level in enumerate(self._levels))

    @property
    def num_levels(self) -> int:
        """Number of compactor levels (Deequ ``curNumOfCompactors``), at least 1."""
        return len(self._levels)

    # ---------------------------------------------------------------- updating

    def update(self, values: ArrayLike) -> None:
        """Insert values in order, exactly as Deequ's item-by-item ``update`` would.

        Parameters
        ----------
        values : array-like of shape (n_values,), float64
            Values in arrival order. NaN values are skipped; ±inf are kept (as Deequ does).

        Raises
        ------
        InvalidParameterError
            If ``values`` is not one-dimensional or not convertible to float64.
        """
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                f"values of KLLSketch.update must be convertible to float64. Got {exc} instead.",
                field="values",
            ) from exc
        if array.ndim != 1:
            raise InvalidParameterError(
                "values of KLLSketch.update must be one-dimensional. "
                f"Got shape {array.shape} instead.",
                field="values",
            )
        if array.size and np.isnan(array.min()):  # a reduction first: most inputs hold no NaN
            array = array[~np.isnan(array)]
        self._append(array)

    def merge(self, other: KLLSketch) -> None:
        """Merge ``other`` into this sketch in place, with Deequ's ``QuantileNonSample.merge``.

        Levels are concatenated (this sketch's items first), then the sketch condenses while it
        holds at least as many items as its total capacity. ``other`` is not modified.

        Parameters
        ----------
        other : KLLSketch
            A sketch with the same ``k`` and ``c``.

        Raises
        ------
        SketchError
            If ``other`` has a different ``k`` or ``c``.
        """
        if not isinstance(other, KLLSketch):
            raise InvalidParameterError(
                f"other of KLLSketch.merge must be a KLLSketch. Got {type(other).__name__} instead.",
                field="other",
            )
        if other._k != self._k or other._c != self._c:
            raise SketchError(
                f"cannot merge a KLL sketch with k={other._k}, c={other._c} into one with "
                f"k={self._k}, c={self._c}.",
                field="k" if other._k != self._k else "c",
            )
        theirs = list(other._levels)  # snapshot: other may be self
        while len(self._levels) < len(theirs):
            self._expand()
        for height, level in enumerate(theirs):
            if level.size:
                self._levels[height] = np.concatenate((self._levels[height], level))
        self._actual = sum(level.size for level in self._levels)
        while self._actual >= self._total and self._condense():
            pass

    def copy(self) -> KLLSketch:
        """Return an independent copy (same items, same compaction counters)."""
        clone = KLLSketch.__new__(KLLSketch)
        clone.__setstate__(self.__getstate__())
        return clone

    # ----------------------------------------------------------------- reading

    def levels(self) -> list[list[float]]:
        """The items of each level, as SageMaker's ``sketch.data``.

        Returns
        -------
        list of list of float, length num_levels
            ``levels()[h]`` holds the items of level ``h`` (weight ``2**h`` each) in the order
            Deequ keeps them: insertion order at level 0, compaction output order above.
        """
        return [level.tolist() for level in self._levels]

    def weighted_sample(self) -> WeightedSample:
        """The sketch as a weighted distribution: distinct items, each weighing ``sum 2**h``.

        Returns
        -------
        WeightedSample
            Total weight equals :attr:`n`.
        """
        if len(self._levels) == 1:
            return WeightedSample.from_weighted(self._levels[0], None)
        items = np.concatenate(self._levels)
        weights = np.concatenate(
            [np.full(level.size, 2.0**height) for height, level in enumerate(self._levels)]
        )
        return WeightedSample.from_weighted(items, weights)

    def quantiles(self, q: ArrayLike) -> NDArray[np.float64]:
        """Estimated quantiles: for each ``q``, the smallest item whose weighted CDF is >= ``q``.

        Parameters
        ----------
        q : array-like of fractions in [0, 1], any shape

        Returns
        -------
        ndarray of float64, the shape of ``q``
            Matches ``numpy.quantile(values, q, method="inverted_cdf")`` when nothing has been
            compacted; otherwise its rank is within :meth:`rank_error_bound` of ``q * n``.

        Raises
        ------
        InvalidParameterError
            If the sketch is empty or a ``q`` is outside [0, 1].
        """
        return self.weighted_sample().quantile(q)

    def rank_error_bound(self) -> int:
        """An upper bound on the absolute rank error of any rank (or quantile) query.

        Each compaction at level ``h`` shifts any rank by at most ``2**h``, and happens only when
        the level holds at least ``capacity(h)`` items, promoting at least ``capacity(h) / 2``.
        The items ever promoted into level ``h + 1`` weigh exactly the weight now held at levels
        ``>= h + 1``, so level ``h`` was compacted at most
        ``floor(W[>= h+1] / 2**h / capacity(h))`` times and the bound is the sum over ``h`` of
        ``2**h`` times that. It holds for any sketch built from empty by :meth:`update` and
        :meth:`merge` (and for one loaded from such a sketch's levels).

        Returns
        -------
        int
            A count of values (0 when nothing has been compacted).
        """
        bound = 0
        above = 0  # weight at levels > height
        for height in range(len(self._levels) - 1, 0, -1):
            above += self._levels[height].size << height
            below = height - 1
            bound += (above // ((1 << below) * self._capacity(below))) << below
        return bound

    # ----------------------------------------------------------- serialisation

    def to_dict(self) -> dict[str, Any]:
        """SageMaker's ``kll.sketch`` object: ``{"parameters": {"c", "k"}, "data": levels}``.

        ``k`` is written as a float (``2048.0``), as the real analyzer output has it. The per-level
        compaction counters are not part of the format (use pickle to keep them).
        """
        return {"parameters": {"c": self._c, "k": float(self._k)}, "data": self.levels()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> KLLSketch:
        """Load SageMaker's ``kll.sketch`` object (``parameters.c``/``k`` read by name).

        Parameters
        ----------
        d : mapping
            ``{"parameters": {"c": float, "k": number}, "data": [[float, ...], ...]}``.

        Raises
        ------
        DocumentError
            If keys are missing or the data is malformed.
        InvalidParameterError
            If ``k`` or ``c`` is outside its domain.
        """
        try:
            parameters = d["parameters"]
            raw_k, raw_c, data = parameters["k"], parameters["c"], d["data"]
        except (KeyError, TypeError) as exc:
            raise DocumentError(
                f"a KLL sketch must have parameters.k, parameters.c and data. Missing {exc}.",
                field="sketch",
            ) from exc
        if isinstance(raw_k, float) and raw_k.is_integer():
            raw_k = int(raw_k)
        return cls.from_levels(data, k=raw_k, c=raw_c)

    @classmethod
    def from_levels(
        cls, data: Sequence[Sequence[float]], *, k: int = DEFAULT_K, c: float = DEFAULT_C
    ) -> KLLSketch:
        """Rebuild a sketch from SageMaker's ``sketch.data`` (an item at level ``h`` weighs ``2**h``).

        Compaction counters start at zero, as in Deequ when it rebuilds a sketch from this data.

        Parameters
        ----------
        data : sequence of sequences of float, length num_levels
            Level ``h``'s items in stored order. An empty sequence gives an empty sketch.
        k, c
            The sketch's parameters (SageMaker ``parameters.k`` and ``parameters.c``).

        Raises
        ------
        DocumentError
            If ``data`` is not a list of lists of numbers, or holds NaN.
        InvalidParameterError
            If ``k`` or ``c`` is outside its domain.
        """
        sketch = cls(k, c)
        if isinstance(data, str | bytes) or not isinstance(data, Sequence):
            raise DocumentError(
                f"sketch data must be a list of lists of numbers. Got {type(data).__name__} instead.",
                field="data",
            )
        levels: list[NDArray[np.float64]] = []
        for height, level in enumerate(data):
            if isinstance(level, str | bytes) or not isinstance(level, Sequence | np.ndarray):
                raise DocumentError(
                    f"sketch data level {height} must be a list of numbers. "
                    f"Got {type(level).__name__} instead.",
                    field="data",
                )
            try:
                array = np.array(level, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise DocumentError(
                    f"sketch data level {height} must hold numbers only ({exc}).", field="data"
                ) from exc
            if array.ndim != 1 or np.isnan(array).any():
                raise DocumentError(
                    f"sketch data level {height} must be a flat list of non-NaN numbers.",
                    field="data",
                )
            levels.append(array)
        if not levels:
            levels.append(_EMPTY.copy())
        sketch._reset(levels, [0] * len(levels), [0] * len(levels))
        return sketch

    def __getstate__(self) -> dict[str, Any]:
        return {
            "k": self._k,
            "c": self._c,
            "levels": [level.copy() for level in self._levels],
            "num_compress": list(self._num_compress),
            "offset": list(self._offset),
        }

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        self._k, self._c = int(state["k"]), float(state["c"])
        self._caps = []
        self._reset(
            [np.asarray(level, dtype=np.float64) for level in state["levels"]],
            [int(v) for v in state["num_compress"]],
            [int(v) for v in state["offset"]],
        )

    def __repr__(self) -> str:
        return f"KLLSketch(k={self._k}, c={self._c}, n={self.n}, num_levels={len(self._levels)})"


_NEGATIVE_ZERO_BITS = np.int64(np.iinfo(np.int64).min)  # the bit pattern of -0.0
_MAGNITUDE_BITS = np.int64(np.iinfo(np.int64).max)


def _has_negative_zero(values: NDArray[np.float64]) -> bool:
    """True when ``values`` holds a ``-0.0`` (one comparison of the raw bits per item)."""
    return bool(values.size) and bool((values.view(np.int64) == _NEGATIVE_ZERO_BITS).any())


def _total_order_keys(values: NDArray[np.float64]) -> NDArray[np.int64]:
    """Integers that sort as ``java.lang.Double.compare`` sorts the (non-NaN) doubles.

    The map flips the magnitude bits of negative doubles, so ``-0.0`` (key -1) sorts before
    ``0.0`` (key 0). It is its own inverse.
    """
    bits = values.view(np.int64)
    keys: NDArray[np.int64] = bits ^ ((bits >> 63) & _MAGNITUDE_BITS)
    return keys


def _halve_runs(
    stream: NDArray[np.float64],
    runs: list[int],
    offsets: list[int],
    signed_zeros: bool,
    out: NDArray[np.float64],
) -> None:
    """Compact consecutive runs at the start of ``stream``, writing the promoted items to ``out``.

    Run ``i`` (``runs[i]`` items, an even number, starting where run ``i - 1`` ends) is sorted
    and every other item, starting at ``offsets[i]``, is kept: Deequ's
    ``NonSampleCompactor.compact`` for each run. The runs are sorted in place, so ``stream``
    must be an array the caller owns; ``out`` receives ``sum(runs) // 2`` items, run after run.
    With ``signed_zeros``, the runs are sorted as :func:`_total_order_keys` so that ``-0.0``
    comes before ``0.0`` as on the JVM.
    """
    keys = _total_order_keys(stream) if signed_zeros else stream
    start = 0
    for length in runs:
        keys[start : start + length].sort()
        start += length
    ordered = _total_order_keys(keys.view(np.float64)).view(np.float64) if signed_zeros else keys
    start = written = 0
    for length, offset in zip(runs, offsets, strict=True):
        half = length >> 1
        out[written : written + half] = ordered[start + offset : start + length : 2]
        start += length
        written += half


def _order_signed_zeros(ordered: NDArray[np.float64], unsorted: NDArray[np.float64]) -> None:
    """Make the zeros of ``ordered`` (``np.sort(unsorted)``) read ``-0.0 ... 0.0``, as on the JVM.

    ``java.lang.Double.compare`` puts ``-0.0`` before ``0.0``. numpy compares them equal, and its
    SIMD sort does not even keep each zero's sign, so the signs are counted in ``unsorted``.
    """
    if ordered.size == 0 or not ordered[0] <= 0.0 <= ordered[-1]:
        return
    low = int(ordered.searchsorted(0.0, side="left"))
    high = int(ordered.searchsorted(0.0, side="right"))
    if high > low:
        negative = int(np.count_nonzero(np.signbit(unsorted) & (unsorted == 0.0)))
        ordered[low : low + negative] = -0.0
        ordered[low + negative : high] = 0.0


def kll_buckets(
    sketch_or_sample: KLLSketch | WeightedSample,
    minimum: float,
    maximum: float,
    n_buckets: int = 10,
) -> list[tuple[float, float, float]]:
    """Equal-width buckets with sketched counts, as Deequ's ``KLLSketch.computeMetricFrom``.

    Bucket ``i`` spans ``lower_i = minimum + (maximum - minimum) * i / n_buckets`` to
    ``upper_i = minimum + (maximum - minimum) * (i + 1) / n_buckets`` (the same double operations
    in the same order as Deequ, so the bounds match bit for bit). Its count is
    ``rank_exclusive(upper_i) - rank_exclusive(lower_i)``; the last bucket uses the inclusive
    ``rank(upper_last)`` so that values equal to ``maximum`` are counted (spec §2.2). When
    ``minimum == maximum`` every bound equals ``minimum``, and, as in Deequ, the first buckets
    count 0 and the last one counts everything.

    Parameters
    ----------
    sketch_or_sample : KLLSketch or WeightedSample
        Where the ranks come from (items at level ``h`` weigh ``2**h``).
    minimum, maximum : float
        The column's global minimum and maximum (Deequ keeps them beside the sketch). Note that
        Deequ starts them at ``Int.MaxValue`` / ``Int.MinValue`` (2147483647.0 / -2147483648.0),
        so to match SageMaker for a column entirely above 2**31 - 1 (or below -2**31) pass
        ``min(minimum, 2147483647.0)`` (or ``max(maximum, -2147483648.0)``).
    n_buckets : int, default=10
        SageMaker always uses 10.

    Returns
    -------
    list of (lower_bound, upper_bound, count), length n_buckets
        Floats; counts are sums of item weights.

    Raises
    ------
    InvalidParameterError
        If ``n_buckets < 1``, a bound is not finite, ``minimum > maximum``, or
        ``sketch_or_sample`` is neither a KLLSketch nor a WeightedSample.

    Examples
    --------
    >>> sketch = KLLSketch()
    >>> sketch.update([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0])
    >>> kll_buckets(sketch, 1.0, 10.0)[:3]
    [(1.0, 1.9, 1.0), (1.9, 2.8, 1.0), (2.8, 3.7, 1.0)]
    """
    if isinstance(sketch_or_sample, KLLSketch):
        sample = sketch_or_sample.weighted_sample()
    elif isinstance(sketch_or_sample, WeightedSample):
        sample = sketch_or_sample
    else:
        raise InvalidParameterError(
            "sketch_or_sample of kll_buckets must be a KLLSketch or a WeightedSample. "
            f"Got {type(sketch_or_sample).__name__} instead.",
            field="sketch_or_sample",
        )
    if isinstance(n_buckets, bool) or not isinstance(n_buckets, int | np.integer) or n_buckets < 1:
        raise InvalidParameterError(
            f"n_buckets of kll_buckets must be an integer >= 1. Got {n_buckets!r} instead.",
            field="n_buckets",
        )
    low, high = float(minimum), float(maximum)
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise InvalidParameterError(
            "minimum and maximum of kll_buckets must be finite with minimum <= maximum. "
            f"Got {minimum!r} and {maximum!r} instead.",
            field="minimum",
        )
    count = int(n_buckets)
    divisor = float(count)
    span = high - low
    lowers = [low + span * i / divisor for i in range(count)]
    uppers = [low + span * (i + 1) / divisor for i in range(count)]
    below_lower = sample.rank(lowers, inclusive=False)
    below_upper = sample.rank(uppers, inclusive=False)
    below_upper[-1] = sample.rank([uppers[-1]], inclusive=True)[0]
    counts = below_upper - below_lower
    return [(lo, up, float(n)) for lo, up, n in zip(lowers, uppers, counts, strict=True)]
