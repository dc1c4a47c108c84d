"""Per-request capture sampling (spec §1.1: "Sampling is random per request at the given percentage").

Each request is kept with probability ``percentage / 100``, independently of every other request
(a Bernoulli draw), so over ``n`` requests the kept fraction converges to the percentage with a
standard deviation of ``sqrt(p (1 - p) / n)``. The random stream is a :class:`random.Random`
seeded by the caller, so tests get the same decisions on every run.

Examples
--------
>>> s = Sampler(25.0, seed=7)
>>> kept = sum(s.sample() for _ in range(10_000))
>>> 2300 < kept < 2700
True
>>> Sampler(0.0).sample(), Sampler(100.0).sample()
(False, True)
"""

from __future__ import annotations

import math
import random

from vigil.errors import InvalidParameterError

__all__ = ["Sampler"]


class Sampler:
    """Decide, per request, whether it is captured.

    Parameters
    ----------
    percentage : float
        Capture probability in percent, in [0, 100] (SageMaker's ``InitialSamplingPercentage``).
        0 never samples and 100 always does, without drawing a random number.
    seed : int, str or None, default=None
        Seed of the random stream; None seeds from the operating system.

    Raises
    ------
    InvalidParameterError
        If ``percentage`` is not a finite number in [0, 100].
    """

    __slots__ = ("_random", "_threshold", "percentage")

    def __init__(self, percentage: float, *, seed: int | str | None = None) -> None:
        if (
            isinstance(percentage, bool)
            or not isinstance(percentage, int | float)
            or not math.isfinite(percentage)
            or not 0.0 <= percentage <= 100.0
        ):
            raise InvalidParameterError(
                f"percentage of Sampler must be a number in [0, 100]. Got {percentage!r} instead.",
                field="percentage",
            )
        self.percentage = float(percentage)
        self._threshold = self.percentage / 100.0
        self._random = random.Random(seed)

    def sample(self) -> bool:
        """Whether the next request is captured (True with probability ``percentage / 100``)."""
        threshold = self._threshold
        if threshold >= 1.0:
            return True
        if threshold <= 0.0:
            return False
        return self._random.random() < threshold
