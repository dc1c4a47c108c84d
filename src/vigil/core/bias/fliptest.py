"""Clarify's counterfactual flip test (FT), the one post-training metric that needs the rows.

For every member of facet *d*, FT asks what the model's *a*-side would have decided: a
k-nearest-neighbour classifier fitted on facet *a*'s features and the model's predictions for
them predicts each *d* row, and FT compares that with the model's own prediction for the row.
The neighbour search follows Clarify (``smclarify`` 0.5, ``posttraining.FT``): k = 5 neighbours
(1 when *a* has at most 9 rows), uniform weights, Euclidean distance (Minkowski p = 2); the
majority of the k neighbours' predictions decides. It runs on :class:`scipy.spatial.cKDTree`
rather than scikit-learn; with no two *a* rows at the same distance from a *d* row both find the
same neighbours.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from vigil.core.bias.counts import BiasData
from vigil.core.bias.result import MetricValue, Undefined

__all__ = ["FT_DEFAULT_NEIGHBORS", "FT_MIN_NEIGHBORS", "FT_SAMPLES_THRESHOLD", "flip_test"]

FT_DEFAULT_NEIGHBORS = 5
"""Neighbours consulted when facet *a* has more than :data:`FT_SAMPLES_THRESHOLD` rows."""

FT_MIN_NEIGHBORS = 1
"""Neighbours consulted for a small facet *a*."""

FT_SAMPLES_THRESHOLD = 9
"""Facet *a* sizes up to this use :data:`FT_MIN_NEIGHBORS`."""

_SPATIAL_ORDER_FROM = 10_000


def flip_test(data: BiasData) -> MetricValue:
    """Counterfactual Fliptest (FT): ``(F⁺ − F⁻) / n_d``.

    ``F⁺`` counts the *d* rows the model predicts negative (unfavourable) whose nearest *a*
    neighbours' predictions are favourable; ``F⁻`` the *d* rows predicted positive whose
    neighbours' are unfavourable. Positive values mean facet *d* gets worse decisions than
    similar members of *a*.

    Range [−1, 1]; fair value 0. Needs no ground truth. Undefined when either group is empty,
    when a feature column is not numeric ("FlipTest does not support non-numeric columns", as
    Clarify), when a feature is missing (NaN) or there are no feature columns.

    This is the sign of the AWS page (spec clarify.md §7.2). smclarify 0.5 counts the two sets
    the other way round (its ``FlipSet_pos`` holds the *d* rows predicted positive whose
    neighbours' are negative), so its FT is the negative of this one.

    References
    ----------
    AWS, "Counterfactual Fliptest (FT)", clarify-post-training-bias-metric-ft; Black, Yeom and
    Fredrikson, "FlipTest: Fairness Testing via Optimal Transport", FAT* 2020.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(6.0)
    >>> data = BiasData.from_arrays(x >= 3, predicted=x < 3, features={"x": x})
    >>> flip_test(data)  # a (x < 3) is favoured; d's nearest a neighbour (x = 2) was too
    1.0
    """
    rows = data.flip_test
    if rows is None:
        return Undefined("FlipTest needs the feature columns")
    sensitive = rows.sensitive
    n_d = int(np.count_nonzero(sensitive))
    n_a = sensitive.shape[0] - n_d
    if n_d == 0:
        return Undefined("Facet set is empty")
    if n_a == 0:
        return Undefined("Negated Facet set is empty")
    if rows.non_numeric:
        return Undefined("FlipTest does not support non-numeric columns")
    features = rows.features
    if features.shape[1] == 0:
        return Undefined("FlipTest needs at least one feature column")
    if np.isnan(features).any():
        return Undefined("FlipTest does not support missing feature values")
    k = FT_DEFAULT_NEIGHBORS if n_a > FT_SAMPLES_THRESHOLD else FT_MIN_NEIGHBORS
    # Unbalanced trees build several times faster and find the same (exact) neighbours.
    tree = cKDTree(features[~sensitive], balanced_tree=False, compact_nodes=False)
    queries = features[sensitive]
    model_positive = rows.predicted[sensitive]
    if n_d > _SPATIAL_ORDER_FROM:
        # Querying in the leaf order of a tree over the queries keeps the searched nodes in
        # cache: about 3x faster on a million rows. The counts below do not depend on the order.
        order = cKDTree(queries, balanced_tree=False, compact_nodes=False).indices
        queries, model_positive = queries[order], model_positive[order]
    _, neighbours = tree.query(queries, k=k, workers=rows.workers)
    neighbours = np.asarray(neighbours).reshape(n_d, k)
    votes = rows.predicted[~sensitive][neighbours].sum(axis=1)
    neighbour_positive = votes * 2 > k
    flipped_up = int(np.count_nonzero(~model_positive & neighbour_positive))
    flipped_down = int(np.count_nonzero(model_positive & ~neighbour_positive))
    return (flipped_up - flipped_down) / n_d
