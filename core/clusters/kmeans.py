"""K-means on prepared records: the fit, how it was made, and how many clusters to choose.

K-means runs with a fixed seed. Banded data hold few distinct value combinations, so
records with identical values are grouped (:class:`core.clusters.prepare.ClusterInput`)
and fitted once with their count as weight. This minimises the same quantity as fitting
every record (the inertia, summed over every record), but K-means finds a local minimum
that depends on its random starts, and the starts of a weighted fit differ from those
of a record-by-record fit: the two need not give the same clusters. Measured on the
2021 release (default columns, standardised, seed 42, against scikit-learn's KMeans on
every record with the same seed and restarts; ``tests/unit/clusters``): with 10
restarts the clusters were the same for 2 to 5 clusters, adjusted Rand index 0.86,
0.86, 0.71, 0.78 and 0.81 for 6 to 10; with :data:`N_INIT` = 100 restarts the same for
2 to 7 and 0.95, 0.98 and 0.93 for 8 to 10, the inertia within 0.3% of the
record-by-record fit's (lower or higher). 300 restarts still differ at 8 to 10. When
there are more than :data:`FIT_LIMIT` combinations, the fit uses a random sample of
:data:`FIT_SAMPLE` records and every record is then assigned to its nearest centre.

The number of clusters is called ``n_clusters`` here (as in scikit-learn), so that ``k``
keeps its one meaning across the app: the small-cell threshold.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances, silhouette_score
from threadpoolctl import threadpool_limits

from core.clusters.prepare import ClusterError, ClusterInput
from core.privacy import format_count, is_small

if TYPE_CHECKING:
    from core.clusters.disclosure import Coverage

__all__ = [
    "FIT_LIMIT",
    "FIT_SAMPLE",
    "N_CLUSTERS_RANGE",
    "N_INIT",
    "SEED",
    "SILHOUETTE_SAMPLE",
    "Clustering",
    "elbow_n_clusters",
    "fit_kmeans",
    "method_note",
    "n_clusters_diagnostics",
    "weighted_silhouette",
]

SEED = 42
FIT_LIMIT = 20_000  # distinct value combinations fitted exactly (weighted)
FIT_SAMPLE = 20_000  # records in the fitting sample when there are more combinations
SILHOUETTE_SAMPLE = 5_000  # records in the silhouette sample
N_CLUSTERS_RANGE: tuple[int, ...] = tuple(range(2, 11))
# k-means++ restarts; cheap because the fit runs on distinct combinations. 100 rather
# than scikit-learn's 10: on the 2021 release the clusters then agree with a
# record-by-record fit up to 7 clusters instead of 5 (see the module docstring).
N_INIT = 100


@dataclass(frozen=True)
class Clustering:
    """A K-means fit.

    Attributes
    ----------
    n_clusters
        Number of clusters.
    labels
        Cluster of each kept record, 1..n_clusters; cluster 1 is the largest.
    centers
        Cluster centres in feature space (rows in cluster order).
    inertia
        Sum over all kept records of the squared distance to their centre.
    sizes
        Records per cluster (cluster 1 first).
    sampled
        True when the fit used a random sample of :data:`FIT_SAMPLE` records.
    fitted_on
        Records the fit used.
    seed
        The random seed.
    """

    n_clusters: int
    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    sizes: np.ndarray
    sampled: bool
    fitted_on: int
    seed: int


def _check_n_clusters(prepared: ClusterInput, n_clusters: int) -> None:
    """Refuse a number of clusters the records cannot be split into (a ClusterError)."""
    if n_clusters < 2:
        raise ClusterError("Choose at least 2 clusters.")
    if prepared.n_distinct < 2:
        raise ClusterError(
            "All the records with every chosen column have the same values in them, so "
            "there is nothing to group. Add columns or widen the filters."
        )
    if n_clusters > prepared.n_distinct:
        raise ClusterError(
            f"These records hold only {prepared.n_distinct:,} distinct combinations of "
            f"values, fewer than the {n_clusters} clusters asked for. Choose at most "
            f"{prepared.n_distinct} clusters, add columns, or widen the filters."
        )


def fit_kmeans(
    prepared: ClusterInput,
    /,
    *,
    n_clusters: int,
    seed: int = SEED,
    fit_limit: int = FIT_LIMIT,
    fit_sample: int = FIT_SAMPLE,
) -> Clustering:
    """K-means (k-means++ start, :data:`N_INIT` restarts, fixed seed) on prepared records.

    Identical records are fitted once, weighted by their count: the same objective as
    fitting every record, though not always the same local minimum (see the module
    docstring). Beyond ``fit_limit`` distinct combinations the fit uses a
    random sample of ``fit_sample`` records, and every record is then assigned to its
    nearest centre. Clusters are numbered by size, largest first.

    Parameters
    ----------
    prepared
        The records (:func:`core.clusters.prepare.prepare`).
    n_clusters
        Number of clusters.
    seed
        Seed of the k-means++ starts and of the fitting sample.
    fit_limit, fit_sample
        Beyond ``fit_limit`` distinct combinations, fit on ``fit_sample`` records.

    Raises
    ------
    ClusterError
        (a ValueError) ``n_clusters`` below 2 or above the number of distinct value
        combinations, or all records identical.
    """
    _check_n_clusters(prepared, n_clusters)
    points, weights = prepared.distinct, prepared.weights
    sampled = prepared.n_distinct > fit_limit and prepared.kept > fit_sample
    if sampled:
        rng = np.random.default_rng(seed)
        rows = rng.choice(prepared.kept, size=fit_sample, replace=False)
        fit_rows, fit_weights = np.unique(prepared.inverse[rows], return_counts=True)
        fit_points = points[fit_rows]
        if len(fit_rows) < n_clusters:  # a degenerate sample: fall back to every combination
            fit_points, fit_weights, sampled = points, weights, False
    else:
        fit_points, fit_weights = points, weights
    model = KMeans(n_clusters=n_clusters, n_init=N_INIT, random_state=seed)
    # One thread (OpenMP and BLAS): the fits are small (distinct combinations), and on a
    # shared server extra threads wait on each other (measured 10-20x slower with 2).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(fit_points, sample_weight=fit_weights.astype(float))
        raw_labels = model.predict(points)
    raw_sizes = np.bincount(raw_labels, weights=weights, minlength=n_clusters)
    order = np.argsort(-raw_sizes, kind="stable")  # new cluster i+1 = old order[i]
    rank = np.empty(n_clusters, dtype=np.int64)
    rank[order] = np.arange(n_clusters)
    distinct_labels = rank[raw_labels]
    centers = model.cluster_centers_[order]
    sq = ((points - centers[distinct_labels]) ** 2).sum(axis=1)
    return Clustering(
        n_clusters=n_clusters,
        labels=distinct_labels[prepared.inverse] + 1,
        centers=centers,
        inertia=float((sq * weights).sum()),
        sizes=np.bincount(distinct_labels, weights=weights, minlength=n_clusters).astype(np.int64),
        sampled=sampled,
        fitted_on=fit_sample if sampled else prepared.kept,
        seed=seed,
    )


def method_note(
    prepared: ClusterInput, clustering: Clustering, /, *, k: int, cover: Coverage | None = None
) -> str:
    """One paragraph saying how the clusters were made (for the page); counts of records
    are shown through :func:`core.privacy.format_count` with threshold ``k``.

    ``cover``: the view's protected coverage (:func:`core.clusters.disclosure.protect_view`);
    when it withholds the number clustered (``cover.kept`` None), the note names no number
    of records clustered (it would give the withheld numbers back by subtraction).

    Examples
    --------
    >>> from core.clusters.prepare import prepare
    >>> df = pd.DataFrame({"ageMid": [4.0, 19.0, 19.0, 55.0] * 5, "gender": ["Male"] * 20})
    >>> p = prepare(df, columns=["ageMid", "gender"])
    >>> note = method_note(p, fit_kmeans(p, n_clusters=2), k=10)
    >>> "All 20 records were used: they hold 3 distinct value combinations" in note
    True
    >>> from core.clusters.disclosure import coverage
    >>> note = method_note(p, fit_kmeans(p, n_clusters=2), k=30, cover=coverage(p, k=30))
    >>> "All the records with every chosen column were used" in note, "20 records" in note
    (True, False)
    """
    withheld = cover is not None and cover.kept is None
    scaled = "standardised (mean 0, standard deviation 1)" if prepared.scaled else "not scaled"
    coding = "one-hot columns" if prepared.encoding == "onehot" else "label codes"
    text = (
        f"K-means with k-means++ starts, {N_INIT} restarts and a fixed seed ({clustering.seed}), "
        f"so the same settings give the same clusters. Categorical columns as {coding}; "
        f"features {scaled}. "
    )
    if clustering.sampled:
        these = "The records" if withheld else f"The {format_count(prepared.kept, k)} records"
        text += (
            f"{these} hold {prepared.n_distinct:,} "
            f"distinct value combinations (more than {FIT_LIMIT:,}), so the clusters were "
            f"fitted on a random sample of {FIT_SAMPLE:,} records and every record was then "
            "assigned to its nearest cluster centre."
        )
    else:
        if withheld:
            used = "All the records with every chosen column"
        elif is_small(prepared.kept, k):
            used = "All the records"
        else:
            used = f"All {format_count(prepared.kept, k)} records"
        text += (
            f"{used} were used: they hold {prepared.n_distinct:,} distinct value "
            "combinations, each fitted once with its number of records as weight. This "
            "minimises the same spread within clusters as fitting every record one by one, "
            "but K-means settles on a good grouping, not always the best one: with more "
            "than a few clusters, a record-by-record fit (or another seed) can find "
            "somewhat different clusters with about the same spread. Beyond "
            f"{FIT_LIMIT:,} combinations the fit would use a random sample of "
            f"{FIT_SAMPLE:,} records."
        )
    return text


# --------------------------------------------------------------------------- how many clusters
def weighted_silhouette(points: np.ndarray, weights: np.ndarray, labels: np.ndarray, /) -> float:
    """Silhouette score of records given as distinct points with counts.

    Equal to :func:`sklearn.metrics.silhouette_score` on the records with every point
    repeated ``weights`` times (identical records are at distance 0 from each other).
    NaN when fewer than 2 clusters are present or every record is its own cluster.

    Examples
    --------
    Records 0, 0, 1 in one cluster and 10, 10 in the other: the silhouettes are
    (10 - 0.5) / 10 twice, (9 - 1) / 9 and 1 twice, with mean 0.9578.

    >>> pts = np.array([[0.0], [1.0], [10.0]])
    >>> round(weighted_silhouette(pts, np.array([2, 1, 2]), np.array([0, 0, 1])), 4)
    0.9578
    """
    points = np.asarray(points, dtype=float)
    w = np.asarray(weights, dtype=float)
    labels = np.asarray(labels)
    clusters, lab = np.unique(labels, return_inverse=True)
    total = w.sum()
    if len(clusters) < 2 or len(clusters) >= total:
        return float("nan")
    member = np.zeros((len(points), len(clusters)))
    member[np.arange(len(points)), lab] = w
    dist = pairwise_distances(points)
    sums = dist @ member  # sum of distances from each point to each cluster's records
    size = member.sum(axis=0)
    own = size[lab]
    rows = np.arange(len(points))
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(own > 1, sums[rows, lab] / (own - 1), 0.0)
        other = sums / size[None, :]
        other[rows, lab] = np.inf
        b = other.min(axis=1)
        s = (b - a) / np.maximum(a, b)
    s = np.where((own > 1) & np.isfinite(s), s, 0.0)
    return float((s * w).sum() / total)


def n_clusters_diagnostics(
    prepared: ClusterInput,
    /,
    *,
    candidates: Sequence[int] = N_CLUSTERS_RANGE,
    seed: int = SEED,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    progress: Callable[[float, str], None] | None = None,
) -> pd.DataFrame:
    """Inertia (all records) and silhouette (on a random sample) for each number of clusters.

    Parameters
    ----------
    prepared
        The records (:func:`core.clusters.prepare.prepare`).
    candidates
        The numbers of clusters to fit.
    seed
        Seed of the fits and of the silhouette's sample.
    silhouette_sample
        Records the silhouette is computed on.
    progress
        Called with (share done, text) before each fit.

    Returns
    -------
    DataFrame
        Columns ``k`` (the number of clusters, as the charts label it), ``inertia`` and
        ``silhouette``; NaN where the number exceeds the distinct value combinations.
        The silhouette uses the same random sample of ``silhouette_sample`` records
        for every number.
    """
    rng = np.random.default_rng(seed)
    n = prepared.kept
    rows = rng.choice(n, size=silhouette_sample, replace=False) if n > silhouette_sample else None
    sample_inverse = prepared.inverse if rows is None else prepared.inverse[rows]
    sample_distinct, sample_pos, sample_w = np.unique(
        sample_inverse, return_inverse=True, return_counts=True
    )
    out = []
    for i, n_clusters in enumerate(candidates):
        if progress is not None:
            progress(
                i / len(candidates), f"Fitting k = {n_clusters} ({i + 1} of {len(candidates)})"
            )
        if n_clusters < 2 or n_clusters > prepared.n_distinct:
            out.append((n_clusters, np.nan, np.nan))
            continue
        fit = fit_kmeans(prepared, n_clusters=n_clusters, seed=seed)
        labels = fit.labels if rows is None else fit.labels[rows]
        # Labels of the sample's distinct rows (identical records share a cluster).
        distinct_labels = np.empty(len(sample_distinct), dtype=np.int64)
        distinct_labels[sample_pos.reshape(-1)] = labels
        with threadpool_limits(limits=1):
            if len(sample_distinct) <= 3_000:
                sil = weighted_silhouette(
                    prepared.distinct[sample_distinct], sample_w, distinct_labels
                )
            elif 2 <= len(np.unique(labels)) < len(labels):
                sil = float(silhouette_score(prepared.distinct[sample_inverse], labels))
            else:
                sil = float("nan")
        out.append((n_clusters, fit.inertia, sil))
    if progress is not None:
        progress(1.0, "Done")
    return pd.DataFrame(out, columns=["k", "inertia", "silhouette"])


def elbow_n_clusters(diagnostics: pd.DataFrame, /) -> int | None:
    """The number of clusters where the inertia curve bends most (farthest below the chord
    from end to end), from :func:`n_clusters_diagnostics`.

    Both axes are rescaled to 0..1 first. None with fewer than 3 usable values.

    Examples
    --------
    >>> elbow_n_clusters(pd.DataFrame({"k": [2, 3, 4, 5, 6], "inertia": [100, 40, 20, 15, 12]}))
    3
    """
    d = diagnostics.dropna(subset=["inertia"])
    if len(d) < 3:
        return None
    x = d["k"].to_numpy(dtype=float)
    y = d["inertia"].to_numpy(dtype=float)
    if y.max() == y.min():
        return None
    xs = (x - x[0]) / (x[-1] - x[0])
    ys = (y - y.min()) / (y.max() - y.min())
    chord = ys[0] + (ys[-1] - ys[0]) * xs
    gap = chord - ys
    return int(x[int(np.argmax(gap))])
