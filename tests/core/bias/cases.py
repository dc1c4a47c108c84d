"""Seeded datasets for the bias-metric tests: random ones and named edge cases.

A case is the per-row inputs of one facet: the sensitive mask, observed and predicted positive
labels, a group variable and two continuous features (continuous, so that no two rows are at the
same distance and FT's nearest neighbours are unambiguous).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from vigil.core.bias import BiasData


@dataclass(frozen=True)
class Case:
    """One facet's rows."""

    name: str
    sensitive: np.ndarray
    label: np.ndarray
    predicted: np.ndarray
    group: np.ndarray | None
    features: dict[str, np.ndarray]

    @property
    def n(self) -> int:
        return len(self.sensitive)

    def data(self) -> BiasData:
        return BiasData.from_arrays(
            self.sensitive,
            label=self.label,
            predicted=self.predicted,
            group=self.group,
            features=self.features,
        )

    def swapped(self) -> Case:
        """The same rows with facet d and its complement exchanged."""
        return replace(self, name=self.name + "-swapped", sensitive=~self.sensitive)

    def permuted(self, seed: int) -> Case:
        order = np.random.default_rng(seed).permutation(self.n)
        return replace(
            self,
            name=self.name + "-permuted",
            sensitive=self.sensitive[order],
            label=self.label[order],
            predicted=self.predicted[order],
            group=None if self.group is None else self.group[order],
            features={k: v[order] for k, v in self.features.items()},
        )

    def both_groups_have_both_labels(self) -> bool:
        return all(
            0 < np.count_nonzero(self.label[mask]) < np.count_nonzero(mask)
            for mask in (self.sensitive, ~self.sensitive)
        )

    def both_groups_have_both_predictions(self) -> bool:
        return all(
            0 < np.count_nonzero(self.predicted[mask]) < np.count_nonzero(mask)
            for mask in (self.sensitive, ~self.sensitive)
        )


def random_case(seed: int, *, n: int | None = None, group_kind: str = "int") -> Case:
    """Both groups non-trivial: 10–90 % sensitive, label rates 10–90 %, 5–40 % wrong predictions."""
    rng = np.random.default_rng(seed)
    size = int(rng.integers(200, 2500)) if n is None else n
    sensitive = rng.random(size) < rng.uniform(0.1, 0.9)
    rate_a, rate_d = rng.uniform(0.1, 0.9, size=2)
    label = rng.random(size) < np.where(sensitive, rate_d, rate_a)
    x1 = rng.normal(size=size) + 0.8 * label
    x2 = rng.normal(size=size) - 0.5 * sensitive
    predicted = (x1 + 0.3 * x2 + rng.normal(scale=0.7, size=size)) > 0.4
    n_groups = int(rng.integers(1, 9))
    group: np.ndarray
    if group_kind == "int":
        group = rng.integers(0, n_groups, size=size)
    elif group_kind == "str":
        group = np.array([f"g{v}" for v in rng.integers(0, n_groups, size=size)], dtype=object)
    else:  # continuous: every distinct value is a group
        group = np.round(rng.uniform(0, 1, size=size), 2)
    return Case(f"random-{seed}", sensitive, label, predicted, group, {"x1": x1, "x2": x2})


def _case(name: str, sensitive, label, predicted, group=None, seed: int = 0) -> Case:
    s = np.asarray(sensitive, dtype=bool)
    rng = np.random.default_rng(seed)
    return Case(
        name,
        s,
        np.asarray(label, dtype=bool),
        np.asarray(predicted, dtype=bool),
        None if group is None else np.asarray(group),
        {"x1": rng.normal(size=len(s)), "x2": rng.normal(size=len(s))},
    )


def edge_cases() -> list[Case]:
    """Small hand-made cases at the edges of every metric's definition."""
    t, f = True, False
    eight_d = [t, t, t, f, f, f, f, f]
    return [
        _case("one-row-in-d", [t, f, f], [t, f, t], [t, t, f], ["x", "x", "y"]),
        _case("d-empty", [f] * 6, [t, f, t, f, t, t], [t, f, f, f, t, t], list("aabbcc")),
        _case("a-empty", [t] * 6, [t, f, t, f, t, t], [t, f, f, f, t, t], list("aabbcc")),
        _case("d-no-positive-label", eight_d, [f, f, f, t, f, t, t, f], [t, f, f, t, f, t, f, f],
              list("abababab")),
        _case("a-no-positive-label", eight_d, [t, f, t, f, f, f, f, f], [t, f, f, t, f, f, f, t],
              list("abababab")),
        _case("no-common-label", eight_d, [f, f, f, t, t, t, t, t], [f, t, f, t, t, f, t, t],
              list("aaaabbbb")),
        _case("all-labels-positive", eight_d, [t] * 8, [t, f, t, t, f, t, t, t], list("abababab")),
        _case("no-predicted-positive", eight_d, [t, f, t, f, t, f, t, f], [f] * 8,
              list("abababab")),
        _case("only-d-predicted-positive", eight_d, [t, f, t, f, t, f, t, f],
              [t, t, f, f, f, f, f, f], list("abababab")),
        _case("perfect-predictions", eight_d, [t, f, t, f, t, t, f, f],
              [t, f, t, f, t, t, f, f], list("abababab")),
        _case("all-false-negatives", eight_d, [t] * 8, [f] * 8, list("abababab")),
        _case("no-group-variable", eight_d, [t, f, t, f, t, f, f, f], [t, t, f, f, t, f, t, f]),
        _case("group-with-missing", eight_d, [t, f, t, f, t, f, f, t], [t, t, f, f, t, f, t, f],
              [0.5, np.nan, 0.5, 1.5, np.nan, 1.5, 0.5, 1.5]),
        _case("one-false-positive", eight_d, [t, t, t, f, t, t, t, t], [f, f, f, t, f, f, f, f],
              list("abababab")),
        _case("no-false-positive-anywhere", eight_d, [t, t, f, t, t, f, t, f],
              [t, f, f, t, f, f, t, f], list("aabbaabb")),
    ]  # fmt: skip


def identical_groups_case() -> Case:
    """Facets d and a hold exactly the same rows (each base row three times in each).

    Every facet-dependent metric is at its fair value here. Predictions contain errors, and each
    feature vector appears three times per facet with one prediction, so FT's five nearest
    neighbours of a d row always hold a majority of its own twins.
    """
    rng = np.random.default_rng(11)
    n = 60
    label = rng.random(n) < 0.4
    predicted = label ^ (rng.random(n) < 0.25)
    group = rng.integers(0, 3, size=n)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    repeat = np.repeat(np.arange(n), 3)
    rows = np.concatenate([repeat, repeat])
    sensitive = np.concatenate([np.zeros(3 * n, bool), np.ones(3 * n, bool)])
    return Case(
        "identical-groups",
        sensitive,
        label[rows],
        predicted[rows],
        group[rows],
        {"x1": x1[rows], "x2": x2[rows]},
    )
