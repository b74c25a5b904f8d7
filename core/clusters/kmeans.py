"""K-means on chosen columns of the canonical frame: preparation, fit, profiles, table filters.

The steps follow the original analysis dashboard, done carefully:

* bands become numbers through their midpoints (``ageMid``, ``monthsMid``);
* categorical columns (gender, majority status, citizenship, country of exploitation) are
  label-encoded as the original did (codes 0, 1, 2, ... in sorted order of the values
  present, like scikit-learn's ``LabelEncoder``) or, as an option, one-hot encoded;
* records with a missing value in any chosen column are left out, and counted;
* features are optionally standardised (mean 0, standard deviation 1, as scikit-learn's
  ``StandardScaler``);
* K-means runs with a fixed seed. Banded data hold few distinct value combinations, so
  records with identical values are grouped and fitted once with their count as weight:
  this is the same K-means problem as fitting every record, only faster. When there are
  more than :data:`FIT_LIMIT` combinations, the fit uses a random sample of
  :data:`FIT_SAMPLE` records and every record is then assigned to its nearest centre.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances, silhouette_score
from threadpoolctl import threadpool_limits

from core.data.schema import FLAG_GROUPS, MINOR_AGE_BANDS, flag_label, is_flag_column

__all__ = [
    "CATEGORICAL_COLUMNS",
    "COUNTRY_COLUMNS",
    "ENCODINGS",
    "FIT_LIMIT",
    "FIT_SAMPLE",
    "K_RANGE",
    "NUMERIC_COLUMNS",
    "SEED",
    "SILHOUETTE_SAMPLE",
    "ClusterError",
    "Clustering",
    "Prepared",
    "TableFilter",
    "age_band_text",
    "cluster_profiles",
    "clustering_columns",
    "column_label",
    "describe_cluster",
    "display_records",
    "elbow_k",
    "filter_records",
    "fit_kmeans",
    "k_diagnostics",
    "labelled_records",
    "method_note",
    "months_band_text",
    "prepare",
    "scatter_title",
    "table_filters",
    "weighted_silhouette",
]

SEED = 42
FIT_LIMIT = 20_000  # distinct value combinations fitted exactly (weighted)
FIT_SAMPLE = 20_000  # records in the fitting sample when there are more combinations
SILHOUETTE_SAMPLE = 5_000  # records in the silhouette sample
K_RANGE: tuple[int, ...] = tuple(range(2, 11))
N_INIT = 10  # k-means++ restarts; cheap because the fit runs on distinct combinations
ENCODINGS: tuple[str, ...] = ("label", "onehot")

NUMERIC_COLUMNS: tuple[str, ...] = ("ageMid", "monthsMid", "yearOfRegistration")
CATEGORICAL_COLUMNS: tuple[str, ...] = (
    "gender",
    "majorityStatusAtExploit",
    "citizenship",
    "CountryOfExploitation",
)
COUNTRY_COLUMNS: tuple[str, ...] = ("citizenship", "CountryOfExploitation")
_BAND_OF = {"ageMid": "ageBroad", "monthsMid": "traffickMonths"}
_LABELS = {
    "cluster": "Cluster",
    "ageMid": "Age (years, band midpoint)",
    "ageBroad": "Age band",
    "monthsMid": "Time trafficked (months, band midpoint)",
    "traffickMonths": "Time trafficked (band)",
    "yearOfRegistration": "Year of registration",
    "gender": "Gender",
    "majorityStatusAtExploit": "Adult or minor",
    "citizenship": "Citizenship",
    "citizenshipName": "Citizenship (country)",
    "CountryOfExploitation": "Country of exploitation",
    "CountryOfExploitationName": "Country of exploitation (country)",
}
_MINOR_WORDS = {
    "Female": "girls",
    "Male": "boys",
    "Transgender/NonConforming": "transgender or non-conforming minors",
}
_ADULT_WORDS = {
    "Female": "women",
    "Male": "men",
    "Transgender/NonConforming": "transgender or non-conforming people",
}
_GENERIC_WORDS = {
    "Female": "women and girls",
    "Male": "men and boys",
    "Transgender/NonConforming": "transgender or non-conforming people",
}


class ClusterError(ValueError):
    """A setting that cannot be clustered; the message says what happened and what to do."""


# --------------------------------------------------------------------------- columns
def column_label(column: str, /) -> str:
    """Plain-word label of a column offered for clustering.

    Examples
    --------
    >>> column_label("ageMid")
    'Age (years, band midpoint)'
    >>> column_label("recruiterRelationFamily")
    'Recruiter relation: Family'
    """
    if column in _LABELS:
        return _LABELS[column]
    for group in FLAG_GROUPS.values():
        if group.matches(column):
            return f"{group.label}: {flag_label(column)}"
    return column


def clustering_columns(frame: pd.DataFrame, /) -> list[str]:
    """Columns of ``frame`` that can be clustered on: numeric, categorical, then flags.

    Examples
    --------
    >>> df = pd.DataFrame(columns=["gender", "ageMid", "ageBroad", "isForcedLabour"])
    >>> clustering_columns(df)
    ['ageMid', 'gender', 'isForcedLabour']
    """
    fixed = [c for c in (*NUMERIC_COLUMNS, *CATEGORICAL_COLUMNS) if c in frame.columns]
    flags = [c for c in frame.columns if isinstance(c, str) and is_flag_column(c)]
    return fixed + flags


def _kind(column: str) -> Literal["numeric", "categorical", "flag"]:
    if column in NUMERIC_COLUMNS:
        return "numeric"
    if column in CATEGORICAL_COLUMNS:
        return "categorical"
    if is_flag_column(column):
        return "flag"
    raise ClusterError(f"'{column}' is not a column this page can cluster on; pick another one.")


def age_band_text(band: str, /) -> str:
    """An age band in plain writing.

    Examples
    --------
    >>> [age_band_text(b) for b in ("0--8", "09--17", "48+")]
    ['0-8', '9-17', '48+']
    """
    return re.sub(r"\b0(\d)", r"\1", str(band).replace("--", "-"))


def months_band_text(band: str, /) -> str:
    """A time-trafficked band in plain writing (the years in its brackets).

    Examples
    --------
    >>> [months_band_text(b) for b in ("0--12 (0-1 yr)", "61+ (5+ yrs)")]
    ['0-1 year', '5+ years']
    """
    match = re.search(r"\((.*)\)", str(band))
    text = match.group(1) if match else str(band)
    return re.sub(r"\byrs?\b", lambda m: "years" if m.group(0) == "yrs" else "year", text)


# --------------------------------------------------------------------------- preparation
@dataclass(frozen=True)
class Prepared:
    """Records ready for K-means.

    Attributes
    ----------
    columns
        The chosen columns, in order.
    records
        The kept records (index reset): the chosen columns (categoricals as text, flags
        as 0/1) and, for reading, the age / duration band and country names.
    distinct
        The encoded (and maybe standardised) features, one row per distinct combination
        of values among the kept records.
    weights
        Records per distinct row.
    inverse
        For each kept record, its row in ``distinct``.
    feature_names
        Names of the feature columns (``gender=Female`` for one-hot columns).
    total
        Records in the slice before dropping missing values.
    missing
        Records of the slice missing each chosen column.
    encoding, scaled
        The options used.
    categories
        For each categorical column, its values in code order (label encoding).
    """

    columns: tuple[str, ...]
    records: pd.DataFrame
    distinct: np.ndarray
    weights: np.ndarray
    inverse: np.ndarray
    feature_names: tuple[str, ...]
    total: int
    missing: dict[str, int]
    encoding: str
    scaled: bool
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def kept(self) -> int:
        """Records with a value in every chosen column."""
        return len(self.records)

    @property
    def dropped(self) -> int:
        """Records left out because a chosen column is missing."""
        return self.total - self.kept

    @property
    def n_distinct(self) -> int:
        """Distinct value combinations among the kept records."""
        return len(self.distinct)

    def matrix(self) -> np.ndarray:
        """The feature matrix with one row per kept record."""
        return self.distinct[self.inverse]

    def missing_sentence(self) -> str:
        """Which chosen columns are missing how often (for the page)."""
        parts = [
            f"{column_label(c).split(' (')[0].lower()} missing in {n:,}"
            for c, n in self.missing.items()
            if n
        ]
        return "; ".join(parts) if parts else "no chosen column is missing anywhere"


def _unique_columns(columns: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(columns))


def _as_values(series: pd.Series, kind: str) -> pd.Series:
    if kind == "numeric":
        return series.astype("float64")
    if kind == "flag":
        return series.astype(bool).astype("int64")
    return series.astype(object).astype("str")


def prepare(
    frame: pd.DataFrame,
    /,
    *,
    columns: Sequence[str],
    encoding: str = "label",
    scale: bool = False,
) -> Prepared:
    """Encode the chosen columns of ``frame``, dropping records with a missing value.

    Parameters
    ----------
    frame
        The canonical frame (or a slice of it).
    columns
        Columns to cluster on (see :func:`clustering_columns`); repeats are ignored.
    encoding
        ``"label"``: categorical columns become codes 0, 1, ... in sorted order of the
        values present (as the original analysis did); ``"onehot"``: one 0/1 column per
        value.
    scale
        Standardise every feature to mean 0 and standard deviation 1 over the kept
        records (a feature with no spread is only centred).

    Raises
    ------
    ClusterError
        Fewer than two different columns, a column entirely missing in the slice, or no
        record with a value in every chosen column.

    Examples
    --------
    >>> df = pd.DataFrame({"ageMid": [19.0, 19.0, None, 34.0],
    ...                    "gender": ["Male", "Male", "Female", "Female"]})
    >>> p = prepare(df, columns=["ageMid", "gender"])
    >>> p.kept, p.dropped, p.n_distinct, p.matrix().tolist()
    (3, 1, 2, [[19.0, 1.0], [19.0, 1.0], [34.0, 0.0]])
    """
    chosen = _unique_columns(columns)
    if len(chosen) < 2:
        raise ClusterError(
            "Choose at least two different columns to cluster on (X, Y and Z count too)."
        )
    if encoding not in ENCODINGS:
        raise ClusterError(f"Unknown encoding '{encoding}'; choose label codes or one-hot.")
    kinds = {c: _kind(c) for c in chosen}
    absent = [c for c in chosen if c not in frame.columns]
    if absent:
        names = ", ".join(column_label(c) for c in absent)
        raise ClusterError(f"This data file has no column {names}; choose other columns.")
    total = len(frame)
    missing = {c: int(frame[c].isna().sum()) for c in chosen}
    empty = [c for c in chosen if total and missing[c] == total]
    if total == 0 or empty:
        names = ", ".join(column_label(c) for c in empty) or "any column"
        raise ClusterError(
            f"No record in this slice has a value for {names}. Choose other columns, or "
            "widen the filters in the sidebar."
        )
    keep = ~frame[list(chosen)].isna().any(axis=1).to_numpy()
    if not keep.any():
        detail = "; ".join(f"{column_label(c)} missing in {n:,}" for c, n in missing.items() if n)
        raise ClusterError(
            f"None of the {total:,} records has a value in every chosen column ({detail}). "
            "Choose fewer columns (or ones more often recorded), or widen the filters."
        )
    kept = frame.loc[keep]
    values = {c: _as_values(kept[c], kinds[c]).reset_index(drop=True) for c in chosen}

    # Distinct combinations: factorise each column (sorted codes), then unique rows.
    codes = np.empty((len(kept), len(chosen)), dtype=np.int64)
    uniques: dict[str, np.ndarray] = {}
    for j, c in enumerate(chosen):
        col_codes, col_uniques = pd.factorize(values[c], sort=True)
        codes[:, j] = col_codes
        uniques[c] = np.asarray(col_uniques)
    distinct_codes, inverse, weights = np.unique(
        codes, axis=0, return_inverse=True, return_counts=True
    )
    inverse = inverse.reshape(-1)

    blocks: list[np.ndarray] = []
    names: list[str] = []
    categories: dict[str, tuple[str, ...]] = {}
    for j, c in enumerate(chosen):
        col_codes = distinct_codes[:, j]
        if kinds[c] == "categorical":
            categories[c] = tuple(str(v) for v in uniques[c])
            if encoding == "onehot":
                blocks.append(
                    (col_codes[:, None] == np.arange(len(uniques[c]))[None, :]).astype(float)
                )
                names.extend(f"{c}={v}" for v in categories[c])
                continue
            blocks.append(col_codes.astype(float)[:, None])
        else:
            blocks.append(uniques[c].astype(float)[col_codes][:, None])
        names.append(c)
    distinct = np.hstack(blocks)
    if scale:
        w = weights.astype(float)
        mean = (distinct * w[:, None]).sum(axis=0) / w.sum()
        var = (((distinct - mean) ** 2) * w[:, None]).sum(axis=0) / w.sum()
        std = np.sqrt(var)
        # As StandardScaler: a feature without spread is centred, not divided by 0.
        std[std < 10 * np.finfo(float).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
        distinct = (distinct - mean) / std

    records = _record_frame(kept, chosen, values)
    return Prepared(
        columns=chosen,
        records=records,
        distinct=distinct,
        weights=weights.astype(np.int64),
        inverse=inverse.astype(np.int64),
        feature_names=tuple(names),
        total=total,
        missing=missing,
        encoding=encoding,
        scaled=scale,
        categories=categories,
    )


def _record_frame(
    kept: pd.DataFrame, chosen: tuple[str, ...], values: Mapping[str, pd.Series]
) -> pd.DataFrame:
    out: dict[str, pd.Series] = {}
    for c in chosen:
        series = values[c]
        if c == "yearOfRegistration":
            series = series.astype("int64")
        out[c] = series
        band = _BAND_OF.get(c)
        if band and band in kept.columns:
            out[band] = kept[band].astype(object).astype("str").reset_index(drop=True)
        if c in COUNTRY_COLUMNS:
            name_col = f"{c}Name"
            if name_col in kept.columns:
                names = kept[name_col].astype(object).reset_index(drop=True)
                out[name_col] = names.where(names.notna(), series).astype("str")
            else:
                out[name_col] = series
    return pd.DataFrame(out)


# --------------------------------------------------------------------------- K-means
@dataclass(frozen=True)
class Clustering:
    """A K-means fit.

    Attributes
    ----------
    k
        Number of clusters.
    labels
        Cluster of each kept record, 1..k; cluster 1 is the largest.
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

    k: int
    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    sizes: np.ndarray
    sampled: bool
    fitted_on: int
    seed: int


def _check_k(prepared: Prepared, k: int) -> None:
    if k < 2:
        raise ClusterError("Choose at least 2 clusters.")
    if prepared.n_distinct < 2:
        raise ClusterError(
            f"All {prepared.kept:,} records have the same values in the chosen columns, so "
            "there is nothing to group. Add columns or widen the filters."
        )
    if k > prepared.n_distinct:
        raise ClusterError(
            f"The {prepared.kept:,} records hold only {prepared.n_distinct:,} distinct "
            f"combinations of values, fewer than the {k} clusters asked for. Choose at most "
            f"{prepared.n_distinct} clusters, add columns, or widen the filters."
        )


def fit_kmeans(
    prepared: Prepared,
    /,
    *,
    k: int,
    seed: int = SEED,
    fit_limit: int = FIT_LIMIT,
    fit_sample: int = FIT_SAMPLE,
) -> Clustering:
    """K-means (k-means++ start, :data:`N_INIT` restarts, fixed seed) on prepared records.

    Identical records are fitted once, weighted by their count (the same objective as
    fitting every record). Beyond ``fit_limit`` distinct combinations the fit uses a
    random sample of ``fit_sample`` records, and every record is then assigned to its
    nearest centre. Clusters are numbered by size, largest first.

    Raises
    ------
    ClusterError
        ``k`` below 2 or above the number of distinct value combinations.
    """
    _check_k(prepared, k)
    points, weights = prepared.distinct, prepared.weights
    sampled = prepared.n_distinct > fit_limit and prepared.kept > fit_sample
    if sampled:
        rng = np.random.default_rng(seed)
        rows = rng.choice(prepared.kept, size=fit_sample, replace=False)
        fit_rows, fit_weights = np.unique(prepared.inverse[rows], return_counts=True)
        fit_points = points[fit_rows]
        if len(fit_rows) < k:  # a degenerate sample: fall back to every combination
            fit_points, fit_weights, sampled = points, weights, False
    else:
        fit_points, fit_weights = points, weights
    model = KMeans(n_clusters=k, n_init=N_INIT, random_state=seed)
    # One thread (OpenMP and BLAS): the fits are small (distinct combinations), and on a
    # shared server extra threads wait on each other (measured 10-20x slower with 2).
    with warnings.catch_warnings(), threadpool_limits(limits=1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(fit_points, sample_weight=fit_weights.astype(float))
        raw_labels = model.predict(points)
    raw_sizes = np.bincount(raw_labels, weights=weights, minlength=k)
    order = np.argsort(-raw_sizes, kind="stable")  # new cluster i+1 = old order[i]
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    distinct_labels = rank[raw_labels]
    centers = model.cluster_centers_[order]
    sq = ((points - centers[distinct_labels]) ** 2).sum(axis=1)
    return Clustering(
        k=k,
        labels=distinct_labels[prepared.inverse] + 1,
        centers=centers,
        inertia=float((sq * weights).sum()),
        sizes=np.bincount(distinct_labels, weights=weights, minlength=k).astype(np.int64),
        sampled=sampled,
        fitted_on=fit_sample if sampled else prepared.kept,
        seed=seed,
    )


def method_note(prepared: Prepared, clustering: Clustering, /) -> str:
    """One paragraph saying how the clusters were made (for the page)."""
    scaled = "standardised (mean 0, standard deviation 1)" if prepared.scaled else "not scaled"
    coding = "one-hot columns" if prepared.encoding == "onehot" else "label codes"
    text = (
        f"K-means with k-means++ starts, {N_INIT} restarts and a fixed seed ({clustering.seed}), "
        f"so the same settings give the same clusters. Categorical columns as {coding}; "
        f"features {scaled}. "
    )
    if clustering.sampled:
        text += (
            f"The {prepared.kept:,} records hold {prepared.n_distinct:,} distinct value "
            f"combinations (more than {FIT_LIMIT:,}), so the clusters were fitted on a random "
            f"sample of {FIT_SAMPLE:,} records and every record was then assigned to its "
            "nearest cluster centre."
        )
    else:
        text += (
            f"All {prepared.kept:,} records were used: they hold {prepared.n_distinct:,} "
            "distinct value combinations, each fitted once with its number of records as "
            "weight (the same result as fitting every record, much faster). Beyond "
            f"{FIT_LIMIT:,} combinations the fit would use a random sample of "
            f"{FIT_SAMPLE:,} records."
        )
    return text


# --------------------------------------------------------------------------- choosing k
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


def k_diagnostics(
    prepared: Prepared,
    /,
    *,
    ks: Sequence[int] = K_RANGE,
    seed: int = SEED,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    progress: Callable[[float, str], None] | None = None,
) -> pd.DataFrame:
    """Inertia (all records) and silhouette (on a random sample) for each k.

    Returns
    -------
    DataFrame
        Columns ``k, inertia, silhouette``; NaN where k exceeds the distinct value
        combinations. The silhouette uses the same random sample of
        ``silhouette_sample`` records for every k.
    """
    rng = np.random.default_rng(seed)
    n = prepared.kept
    rows = rng.choice(n, size=silhouette_sample, replace=False) if n > silhouette_sample else None
    sample_inverse = prepared.inverse if rows is None else prepared.inverse[rows]
    sample_distinct, sample_pos, sample_w = np.unique(
        sample_inverse, return_inverse=True, return_counts=True
    )
    out = []
    for i, k in enumerate(ks):
        if progress is not None:
            progress(i / len(ks), f"Fitting k = {k} ({i + 1} of {len(ks)})")
        if k < 2 or k > prepared.n_distinct:
            out.append((k, np.nan, np.nan))
            continue
        fit = fit_kmeans(prepared, k=k, seed=seed)
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
        out.append((k, fit.inertia, sil))
    if progress is not None:
        progress(1.0, "Done")
    return pd.DataFrame(out, columns=["k", "inertia", "silhouette"])


def elbow_k(diagnostics: pd.DataFrame, /) -> int | None:
    """The k where the inertia curve bends most (farthest below the chord from end to end).

    Both axes are rescaled to 0..1 first. None with fewer than 3 usable values.

    Examples
    --------
    >>> elbow_k(pd.DataFrame({"k": [2, 3, 4, 5, 6], "inertia": [100, 40, 20, 15, 12]}))
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


# --------------------------------------------------------------------------- profiles
def _mode(series: pd.Series) -> tuple[str, float]:
    counts = series.value_counts(sort=True)
    counts = counts.sort_values(ascending=False, kind="stable")
    top = counts.index[0]
    return str(top), float(counts.iloc[0] / counts.sum())


def _lead(share: float, text: str) -> str:
    return text if share >= 0.5 else f"most often {text}"


def describe_cluster(members: pd.DataFrame, /, *, columns: Sequence[str], number: int) -> str:
    """A sentence describing a cluster's typical record.

    ``members`` are the cluster's rows of :attr:`Prepared.records`. A value is stated
    plainly when at least half the records have it, otherwise as "most often"; flags
    are given as the share of records with the flag.

    Examples
    --------
    >>> m = pd.DataFrame({"gender": ["Female"] * 3 + ["Male"],
    ...                   "ageMid": [19.0] * 4, "ageBroad": ["18--20"] * 4,
    ...                   "citizenship": ["UKR"] * 4, "citizenshipName": ["Ukraine"] * 4})
    >>> describe_cluster(m, columns=["gender", "ageMid", "citizenship"], number=2)
    'Cluster 2: mostly women aged 18-20, from Ukraine'
    """
    chosen = list(columns)
    minor_share = 0.0
    if "ageBroad" in members.columns and "ageMid" in chosen:
        minor_share = float(members["ageBroad"].isin(list(MINOR_AGE_BANDS)).mean())
    elif "majorityStatusAtExploit" in chosen:
        minor_share = float((members["majorityStatusAtExploit"] == "Minor").mean())
    majority_known = "ageMid" in chosen or "majorityStatusAtExploit" in chosen

    subject = ""
    gender_dominant = False
    if "gender" in chosen:
        value, share = _mode(members["gender"])
        if share >= 0.5:
            gender_dominant = True
            if not majority_known:
                words = _GENERIC_WORDS
            elif minor_share >= 0.5:
                words = _MINOR_WORDS
            else:
                words = _ADULT_WORDS
            subject = f"mostly {words.get(value, value)}"
        else:
            subject = "mixed gender"
    parts: list[str] = []
    if "majorityStatusAtExploit" in chosen and not gender_dominant:
        value, share = _mode(members["majorityStatusAtExploit"])
        word = "minors" if value == "Minor" else "adults"
        parts.append(f"mostly {word}" if share >= 0.5 else "adults and minors")
    if "ageMid" in chosen:
        if "ageBroad" in members.columns:
            value, share = _mode(members["ageBroad"])
            age = _lead(share, f"aged {age_band_text(value)}")
        else:
            share = 1.0
            age = f"aged about {members['ageMid'].mean():.0f}"
        joint = " " if share >= 0.5 else ", "
        subject = f"{subject}{joint}{age}" if subject else age
    if subject:
        parts.insert(0, subject)
    for column, verb in (("citizenship", "from"), ("CountryOfExploitation", "exploited in")):
        if column in chosen:
            name_col = f"{column}Name" if f"{column}Name" in members.columns else column
            value, share = _mode(members[name_col])
            parts.append(_lead(share, f"{verb} {value}"))
    if "monthsMid" in chosen:
        if "traffickMonths" in members.columns:
            value, share = _mode(members["traffickMonths"])
            parts.append(_lead(share, f"trafficked {months_band_text(value)}"))
        else:
            parts.append(f"trafficked about {members['monthsMid'].mean():.0f} months")
    if "yearOfRegistration" in chosen:
        parts.append(f"registered around {members['yearOfRegistration'].mean():.0f}")
    flags = [c for c in chosen if is_flag_column(c)]
    if flags:
        shares = sorted(((float(members[c].mean()), c) for c in flags), key=lambda t: -t[0])
        common = [f"{flag_label(c).lower()} ({share:.0%})" for share, c in shares if share >= 0.5]
        if common:
            parts.append("with " + ", ".join(common))
        else:
            share, c = shares[0]
            parts.append(
                f"no chosen flag in most records (most often {flag_label(c).lower()}, {share:.0%})"
            )
    return f"Cluster {number}: " + ", ".join(parts)


_PROFILE_STAT = {"numeric": "mean", "flag": "share with flag", "categorical": "most common"}


def labelled_records(prepared: Prepared, clustering: Clustering, /) -> pd.DataFrame:
    """The kept records with their cluster number as first column ``cluster``."""
    records = prepared.records.copy()
    records.insert(0, "cluster", clustering.labels)
    return records


def cluster_profiles(prepared: Prepared, clustering: Clustering, /) -> pd.DataFrame:
    """One row per cluster: size, share, the mean or most common value of each column.

    Returns
    -------
    DataFrame
        ``Cluster, Records, Share (%)`` then, per chosen column, its mean (numeric), its most
        common value with that value's share in the cluster (categorical), or the share
        of records with the flag; last ``Description`` (see :func:`describe_cluster`).
    """
    records = prepared.records
    rows = []
    for number in range(1, clustering.k + 1):
        members = records.loc[clustering.labels == number]
        row: dict[str, object] = {
            "Cluster": number,
            "Records": len(members),
            "Share (%)": round(100 * len(members) / len(records), 1),
        }
        for c in prepared.columns:
            kind = _kind(c)
            key = f"{column_label(c)}: {_PROFILE_STAT[kind]}"
            if len(members) == 0:
                row[key] = None
            elif kind == "numeric":
                row[key] = round(float(members[c].mean()), 1)
            elif kind == "flag":
                row[key] = round(float(members[c].mean()), 3)
            else:
                source = f"{c}Name" if c in COUNTRY_COLUMNS else c
                value, share = _mode(members[source])
                row[key] = f"{value} ({share:.0%})"
        row["Description"] = (
            describe_cluster(members, columns=prepared.columns, number=number)
            if len(members)
            else f"Cluster {number}: empty"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def scatter_title(profiles: pd.DataFrame, /, *, subset: pd.DataFrame | None = None) -> str:
    """A title stating what the 3D view shows.

    Without ``subset``: the largest cluster's share and description. With ``subset``
    (labelled records matching the table's filters): which cluster most of them are in.

    Examples
    --------
    >>> prof = pd.DataFrame({"Cluster": [1, 2], "Records": [30, 10], "Share (%)": [75.0, 25.0],
    ...                      "Description": ["Cluster 1: mostly men", "Cluster 2: mostly women"]})
    >>> scatter_title(prof)
    'The largest of 2 clusters holds 75% of the records: mostly men'
    >>> scatter_title(prof, subset=pd.DataFrame({"cluster": [2, 2, 1]}))
    "67% of the records matching the table's filters are in cluster 2"
    """
    if subset is not None:
        counts = subset["cluster"].value_counts().sort_index()
        top = int(counts.idxmax())
        return (
            f"{counts.max() / counts.sum():.0%} of the records matching the table's "
            f"filters are in cluster {top}"
        )
    first = profiles.loc[profiles["Records"].idxmax()]
    description = str(first["Description"]).split(": ", 1)[-1]
    return (
        f"The largest of {len(profiles)} clusters holds {first['Share (%)']:.0f}% of the "
        f"records: {description}"
    )


# --------------------------------------------------------------------------- record table
@dataclass(frozen=True)
class TableFilter:
    """A filter the record table offers for one column.

    ``kind`` is ``"values"`` (choose among ``options``, shown as ``labels``) or
    ``"range"`` (a slider from ``low`` to ``high`` in steps of ``step``).
    """

    column: str
    label: str
    kind: Literal["values", "range"]
    options: tuple[object, ...] = ()
    labels: tuple[str, ...] = ()
    low: float = 0.0
    high: float = 0.0
    step: float = 1.0


def _option_labels(
    records: pd.DataFrame, column: str, options: Sequence[object]
) -> tuple[str, ...]:
    if column == "cluster":
        return tuple(f"Cluster {v}" for v in options)
    if column in COUNTRY_COLUMNS and f"{column}Name" in records.columns:
        pairs = records[[column, f"{column}Name"]].drop_duplicates(subset=column)
        names = dict(zip(pairs[column], pairs[f"{column}Name"], strict=True))
        return tuple(f"{names[v]} ({v})" if names[v] != v else str(v) for v in options)
    if is_flag_column(column):
        return tuple("yes" if v else "no" for v in options)
    return tuple(str(v) for v in options)


def table_filters(records: pd.DataFrame, /, *, columns: Sequence[str]) -> list[TableFilter]:
    """Filters for the record table: values for categorical columns and flags, ranges for
    numbers. ``"cluster"`` may be among ``columns`` (its values are the cluster numbers).

    Examples
    --------
    >>> r = pd.DataFrame({"cluster": [1, 2, 1], "ageMid": [4.0, 19.0, 55.0],
    ...                   "citizenship": ["USA", "UKR", "USA"],
    ...                   "citizenshipName": ["United States", "Ukraine", "United States"]})
    >>> [(f.column, f.kind, f.options, f.labels, f.low, f.high)
    ...  for f in table_filters(r, columns=["cluster", "ageMid", "citizenship"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('cluster', 'values', (1, 2), ('Cluster 1', 'Cluster 2'), 0.0, 0.0),
     ('ageMid', 'range', (), (), 4.0, 55.0),
     ('citizenship', 'values', ('UKR', 'USA'), ('Ukraine (UKR)', 'United States (USA)'), 0.0, 0.0)]
    """
    out = []
    for c in columns:
        series = records[c]
        if c in NUMERIC_COLUMNS:
            if c == "yearOfRegistration":  # whole years on the slider
                out.append(
                    TableFilter(
                        c,
                        column_label(c),
                        "range",
                        low=int(series.min()),
                        high=int(series.max()),
                        step=1,
                    )
                )
            else:
                out.append(
                    TableFilter(
                        c,
                        column_label(c),
                        "range",
                        low=float(series.min()),
                        high=float(series.max()),
                        step=0.5,
                    )
                )
        else:
            options = tuple(
                v.item() if hasattr(v, "item") else v for v in sorted(series.dropna().unique())
            )
            out.append(
                TableFilter(
                    c,
                    column_label(c),
                    "values",
                    options=options,
                    labels=_option_labels(records, c, options),
                )
            )
    return out


def filter_records(
    records: pd.DataFrame,
    /,
    *,
    values: Mapping[str, Sequence[object]] | None = None,
    ranges: Mapping[str, tuple[float, float]] | None = None,
) -> pd.DataFrame:
    """Records matching every filter. An empty value list means "no restriction".

    Examples
    --------
    >>> r = pd.DataFrame({"ageMid": [4.0, 19.0, 55.0], "citizenship": ["USA", "UKR", "USA"]})
    >>> filter_records(r, values={"citizenship": ["USA"]}, ranges={"ageMid": (0, 20)}).index.tolist()
    [0]
    """
    keep = np.ones(len(records), dtype=bool)
    for column, chosen in (values or {}).items():
        if chosen:
            keep &= records[column].isin(list(chosen)).to_numpy()
    for column, (low, high) in (ranges or {}).items():
        series = records[column].astype(float)
        keep &= ((series >= low) & (series <= high)).to_numpy()
    return records.loc[keep]


def display_records(records: pd.DataFrame, /) -> pd.DataFrame:
    """The record table with plain-word column names (for screen and CSV)."""
    return records.rename(columns=column_label)
