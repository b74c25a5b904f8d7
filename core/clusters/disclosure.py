"""Small-cell protection of the Clusters screen: which of its counts may be shown.

Every count the screen prints goes through :mod:`core.privacy` (the one home of the
rule). The screen shows four kinds of count, and each is protected with the relations
an attacker could use on that one view:

* **coverage**: the records in view (M), the records clustered (N) and left out
  (D = M - N), and the records missing each chosen column (X). N and D add up to M,
  which the sidebar shows, so when either is 1..k-1 both are withheld; a column's
  missing count X is withheld with its complement M - X, and the missing counts are
  shown only when every one of them is safe and D is shown (one chosen column missing
  alone gives X = D);
* **cluster sizes**: they add up to N, so a small one is protected with complementary
  suppression (:func:`core.suppression.suppress_complementary`): the fewest other clusters
  are withheld so that none follows by subtraction;
* **the records behind the clusters**: a listing (table, 3D view, their CSVs) shows
  one row per record, so counting its rows would give a withheld size back. Records of
  withheld clusters are not listed, and a listing of 1..k-1 records is not shown;
* **shares inside a cluster** (the most common value's share, a flag's share): shown
  only where :func:`core.privacy.safe_share` allows (neither the part nor the rest is
  1..k-1);
* **a withheld cluster's profile**: its means, most common values, shares and its
  sentence (``Description``, whose whole-number shares would give a small count back
  with its size or the total) are all withheld, with the same words for a small
  cluster and for one withheld to protect it.

Differences between two filter settings (differencing) are out of scope, as everywhere
in the app: each view is protected on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.clusters.prepare import ClusterInput
from core.privacy import format_count, is_small
from core.suppression import Suppression, suppress_complementary

__all__ = [
    "WITHHELD",
    "WITHHELD_PROFILE",
    "Coverage",
    "Protection",
    "coverage",
    "listable_records",
    "protect_profiles",
    "protect_view",
    "size_suppression",
    "withhold_descriptions",
]

#: How a withheld cluster size (or its share) reads on screen.
WITHHELD = "withheld"
#: A withheld cluster's sentence, after "Cluster n: " (the same for every withheld one).
WITHHELD_PROFILE = "size and profile withheld, to protect small counts"


@dataclass(frozen=True)
class Coverage:
    """The coverage counts of a clustering as the screen may show them.

    ``None`` means withheld. ``missing`` maps each chosen column that is missing somewhere
    to its count (or None), the most often missing first; ``missing_withheld`` says that
    the per-column counts are not shown. ``share_kept`` (clustered / in view) is for
    deciding how to word the headline, not for printing beside a withheld count.
    """

    total: str
    kept: str | None
    dropped: str | None
    missing: dict[str, str | None]
    share_kept: float

    @property
    def missing_withheld(self) -> bool:
        """True when at least one column's missing count is withheld (then none is shown)."""
        return any(v is None for v in self.missing.values())


def coverage(prepared: ClusterInput, /, *, k: int, pair_withheld: bool | None = None) -> Coverage:
    """The records in view, clustered, left out and missing each column, protected.

    ``pair_withheld``: whether the numbers clustered and left out are withheld, as
    decided with the cluster sizes (:func:`protect_view`); None: decided here alone
    (withheld when the records in view, clustered or left out are 1..k-1).

    Examples
    --------
    >>> df = pd.DataFrame({"ageMid": [19.0] * 30 + [None] * 5, "gender": ["Male"] * 35})
    >>> from core.clusters.prepare import prepare
    >>> c = coverage(prepare(df, columns=["ageMid", "gender"]), k=10)
    >>> c.total, c.kept, c.dropped, c.missing
    ('35', None, None, {'ageMid': None})
    >>> coverage(prepare(df, columns=["ageMid", "gender"]), k=5).missing
    {'ageMid': '5'}
    """
    total, kept, dropped = prepared.total, prepared.kept, prepared.dropped
    if pair_withheld is None:
        pair_withheld = _pair_small(prepared, k)
    # Most often missing first (the headline names that one).
    ranked = sorted(prepared.missing.items(), key=lambda item: -item[1])
    missing = {c: n for c, n in ranked if n}
    unsafe = pair_withheld or any(
        is_small(n, k) or is_small(total - n, k) for n in missing.values()
    )
    return Coverage(
        total=format_count(total, k),
        kept=None if pair_withheld else format_count(kept, k),
        dropped=None if pair_withheld else format_count(dropped, k),
        missing={c: None if unsafe else format_count(n, k) for c, n in missing.items()},
        share_kept=kept / total if total else 0.0,
    )


def _pair_small(prepared: ClusterInput, k: int) -> bool:
    """Whether the records in view, clustered or left out are 1..k-1."""
    return any(is_small(n, k) for n in (prepared.total, prepared.kept, prepared.dropped))


def size_suppression(sizes: np.ndarray | pd.Series, /, *, k: int) -> Suppression:
    """Which cluster sizes are withheld: the small ones and the fewest others that
    would give them back (the sizes add up to the records clustered, taken as known).

    Examples
    --------
    >>> s = size_suppression(np.array([500, 300, 40, 4]), k=10)
    >>> s.withheld.tolist(), s.caption()
    ([False, False, True, True], '2 cells withheld: each holds a small count (fewer than 10 records) or would reveal one.')
    """
    table = pd.DataFrame({"size": np.asarray(sizes, dtype=float), "all": 0})
    return suppress_complementary(table, count_column="size", groups=[["all"]], k=k)


@dataclass(frozen=True)
class Protection:
    """What one view of the Clusters screen may show: coverage and cluster sizes."""

    coverage: Coverage
    sizes: Suppression


def protect_view(prepared: ClusterInput, sizes: np.ndarray | pd.Series, /, *, k: int) -> Protection:
    """Coverage and cluster sizes protected together.

    The cluster sizes and the records left out add up to the records in view (shown in
    the sidebar), so they are one group of cells for complementary suppression: a small
    cluster may be protected by withholding the number left out (and so the number
    clustered), and a small number left out by withholding a cluster's size.

    Examples
    --------
    >>> from core.clusters.prepare import prepare
    >>> df = pd.DataFrame({"ageMid": [19.0] * 30 + [34.0] * 40 + [None] * 5,
    ...                    "gender": ["Male"] * 75})
    >>> view = protect_view(prepare(df, columns=["ageMid", "gender"]), [30, 40], k=10)
    >>> view.coverage.kept, view.sizes.withheld.tolist()
    (None, [True, False])
    """
    counts = np.asarray(sizes, dtype=float)
    cells = pd.DataFrame({"size": np.append(counts, prepared.dropped), "all": 0})
    also = np.zeros(len(cells), dtype=bool)
    also[-1] = _pair_small(prepared, k)
    both = suppress_complementary(
        cells, count_column="size", groups=[["all"]], k=k, also_primary=also
    )
    withheld = both.withheld[:-1]
    small = np.asarray([is_small(n, k) for n in counts], dtype=bool)
    return Protection(
        coverage=coverage(prepared, k=k, pair_withheld=bool(both.withheld[-1])),
        sizes=Suppression.of(withheld, small, k),
    )


def listable_records(records: pd.DataFrame, suppression: Suppression, /, *, k: int) -> pd.DataFrame:
    """The labelled records a listing may show: none of a withheld cluster, and none at
    all when 1..k-1 would be left (their number is a count too).

    ``records`` has a ``cluster`` column (1..n); ``suppression`` is the clusters'
    :func:`size_suppression`.

    Examples
    --------
    >>> r = pd.DataFrame({"cluster": [1] * 12 + [2] * 3})
    >>> at_10, at_2 = (size_suppression(np.array([12, 3]), k=k) for k in (10, 2))
    >>> len(listable_records(r, at_10, k=10)), len(listable_records(r, at_2, k=2))
    (0, 15)
    """
    hidden = np.flatnonzero(suppression.withheld) + 1
    shown = records.loc[~records["cluster"].isin(hidden.tolist())]
    return shown.iloc[0:0] if is_small(len(shown), k) else shown


def protect_profiles(
    profiles: pd.DataFrame,
    suppression: Suppression,
    /,
    *,
    k: int,
    for_export: bool = False,
    clustered_withheld: bool = False,
) -> pd.DataFrame:
    """The profile table with its withheld sizes (``Records``) and shares (``Share (%)``).

    ``clustered_withheld``: the number clustered is withheld (``Coverage.kept`` None);
    then every row's share is withheld too, as a shown size over its share gives the
    number clustered back.

    Every other statistic of a withheld cluster (its means, most common values with their
    shares, flag shares) is left out too (NaN, on screen and in the export): a few shares
    of 3 decimals can give its size back. ``Cluster`` stays; its ``Description`` becomes
    :func:`withhold_descriptions`' sentence.

    On screen every withheld size reads ``"withheld"``, whether it is small or protects a
    small one: a different mark ("<k" for the small ones) would tell that the others are
    at least k, and that can pin a small one (sizes k and 1 behind a total of k + 1). In
    the export they are empty (NaN), as in every export of the app.

    Examples
    --------
    >>> prof = pd.DataFrame({"Cluster": [1, 2, 3], "Records": [500, 40, 4],
    ...                      "Share (%)": [91.9, 7.4, 0.7]})
    >>> s = size_suppression(prof["Records"], k=10)
    >>> protect_profiles(prof, s, k=10)["Records"].tolist()
    [500, 'withheld', 'withheld']
    >>> protect_profiles(prof, s, k=10, for_export=True)["Share (%)"].tolist()
    [91.9, nan, nan]
    >>> protect_profiles(prof, s, k=10, clustered_withheld=True)["Share (%)"].tolist()
    ['withheld', 'withheld', 'withheld']
    >>> prof["Flag: share with flag"] = [0.5, 0.25, 0.75]
    >>> protect_profiles(prof, s, k=10)["Flag: share with flag"].tolist()
    [0.5, nan, nan]
    >>> prof["Description"] = ["Cluster 1: mostly men", "Cluster 2: with debt (45%)",
    ...                        "Cluster 3: with debt (75%)"]
    >>> protect_profiles(prof, s, k=10, for_export=True)["Description"].tolist()[1:]
    ['Cluster 2: size and profile withheld, to protect small counts', 'Cluster 3: size and profile withheld, to protect small counts']
    """
    del k  # the suppression already applies it; kept for the call to read like the others
    out = withhold_descriptions(profiles, suppression)
    withheld = np.asarray(suppression.withheld, dtype=bool)
    for column in ("Records", "Share (%)"):
        values = out[column].astype(object)
        rows = (
            np.ones(len(out), dtype=bool)
            if clustered_withheld and column != "Records"
            else withheld
        )
        values[rows] = np.nan if for_export else WITHHELD
        out[column] = values
    for column in out.columns.difference(["Cluster", "Records", "Share (%)", "Description"]):
        out.loc[withheld, column] = np.nan
    if for_export:
        out["Records"] = pd.to_numeric(out["Records"]).astype("Int64")
        out["Share (%)"] = pd.to_numeric(out["Share (%)"])
    return out


def withhold_descriptions(profiles: pd.DataFrame, suppression: Suppression, /) -> pd.DataFrame:
    """The profile table with each withheld cluster's ``Description`` replaced.

    A description gives shares inside the cluster as whole percentages and means of its
    numbers; with the cluster's size (or the total and the other sizes) they can give a
    small count back, so a withheld cluster's sentence says only that it is withheld
    (:data:`WITHHELD_PROFILE`), the same for every withheld cluster. A table without
    ``Description`` comes back unchanged (a copy).

    Examples
    --------
    >>> prof = pd.DataFrame({"Cluster": [1, 2, 3], "Records": [500, 40, 4],
    ...                      "Description": ["Cluster 1: men", "Cluster 2: with debt (45%)",
    ...                                      "Cluster 3: with debt (75%)"]})
    >>> out = withhold_descriptions(prof, size_suppression(prof["Records"], k=10))
    >>> out["Description"].tolist()[0], out["Description"].tolist()[2]
    ('Cluster 1: men', 'Cluster 3: size and profile withheld, to protect small counts')
    """
    out = profiles.copy()
    if "Description" not in out.columns:
        return out
    withheld = np.asarray(suppression.withheld, dtype=bool)
    numbers = out["Cluster"] if "Cluster" in out.columns else pd.Series(range(1, len(out) + 1))
    out["Description"] = [
        f"Cluster {number}: {WITHHELD_PROFILE}" if hide else text
        for number, text, hide in zip(numbers, out["Description"], withheld, strict=True)
    ]
    return out
