"""What each cluster looks like: a profile table and a sentence per cluster.

A value is stated plainly when at least half of a cluster's records have it, otherwise
as "most often"; bands read as on every other screen (:mod:`core.words`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.clusters.disclosure import WITHHELD_PROFILE
from core.clusters.kmeans import Clustering
from core.clusters.prepare import COUNTRY_COLUMNS, ClusterInput, column_kind, column_label
from core.data.schema import MINOR_AGE_BANDS, flag_label, is_flag_column
from core.privacy import safe_share
from core.words import age_band, months_band

__all__ = ["cluster_profiles", "describe_cluster", "labelled_records", "scatter_title"]

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


def _mode(series: pd.Series) -> tuple[str, float]:
    """The most common value and its share of the records."""
    value, count, total = _mode_count(series)
    return value, count / total


def _mode_count(series: pd.Series) -> tuple[str, int, int]:
    """The most common value, its number of records and the number of records."""
    counts = series.value_counts(sort=True)
    counts = counts.sort_values(ascending=False, kind="stable")
    return str(counts.index[0]), int(counts.iloc[0]), int(counts.sum())


def _shown_share(part: int, whole: int, k: int | None) -> bool:
    """Whether a share inside a cluster may be printed (see :func:`core.privacy.safe_share`)."""
    return k is None or safe_share(part, whole, k)


def _lead(share: float, text: str) -> str:
    """``text`` as it stands when at least half the records have it, else "most often"."""
    return text if share >= 0.5 else f"most often {text}"


def describe_cluster(
    members: pd.DataFrame, /, *, columns: Sequence[str], number: int, k: int | None = None
) -> str:
    """A sentence describing a cluster's typical record.

    ``members`` are the cluster's rows of :attr:`core.clusters.prepare.ClusterInput.records`.
    A value is stated plainly when at least half the records have it, otherwise as
    "most often"; flags are given as the share of records with the flag, unless that
    share would give back a count of 1..k-1 (with or without the flag; ``k`` None:
    every share is given).

    Raises
    ------
    ValueError
        A column of ``columns`` that ``members`` lacks or that cannot be clustered on.

    Examples
    --------
    >>> m = pd.DataFrame({"gender": ["Female"] * 3 + ["Male"],
    ...                   "ageMid": [19.0] * 4, "ageBroad": ["18--20"] * 4,
    ...                   "citizenship": ["UKR"] * 4, "citizenshipName": ["Ukraine"] * 4})
    >>> describe_cluster(m, columns=["gender", "ageMid", "citizenship"], number=2)
    'Cluster 2: mostly women aged 18–20, from Ukraine'
    """
    chosen = list(columns)
    for column in chosen:
        column_kind(column)
    absent = [c for c in chosen if c not in members.columns]
    if absent:
        raise ValueError(
            f"the records have no column {absent[0]!r}; choose from {', '.join(map(str, members.columns))}"
        )
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
            age = _lead(share, f"aged {age_band(value)}")
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
            parts.append(_lead(share, f"trafficked {months_band(value)}"))
        else:
            parts.append(f"trafficked about {members['monthsMid'].mean():.0f} months")
    if "yearOfRegistration" in chosen:
        parts.append(f"registered around {members['yearOfRegistration'].mean():.0f}")
    flags = [c for c in chosen if is_flag_column(c)]
    if flags:
        n = len(members)
        counted = sorted(((int(members[c].sum()), c) for c in flags), key=lambda t: -t[0])

        def flag_text(count: int, c: str, sep: str, close: str) -> str:
            label = flag_label(c).lower()
            if _shown_share(count, n, k):
                return f"{label}{sep}{count / n:.0%}{close}"
            return label

        common = [flag_text(count, c, " (", ")") for count, c in counted if count / n >= 0.5]
        if common:
            parts.append("with " + ", ".join(common))
        else:
            count, c = counted[0]
            parts.append(
                f"no chosen flag in most records (most often {flag_text(count, c, ', ', '')})"
            )
    return f"Cluster {number}: " + ", ".join(parts)


_PROFILE_STAT = {"numeric": "mean", "flag": "share with flag", "categorical": "most common"}


def labelled_records(prepared: ClusterInput, clustering: Clustering, /) -> pd.DataFrame:
    """The kept records with their cluster number as first column ``cluster``."""
    records = prepared.records.copy()
    records.insert(0, "cluster", clustering.labels)
    return records


def cluster_profiles(
    prepared: ClusterInput, clustering: Clustering, /, *, k: int | None = None
) -> pd.DataFrame:
    """One row per cluster: size, share, the mean or most common value of each column.

    With ``k``, a share inside a cluster (of its most common value, of a flag) that would
    give back a count of 1..k-1 (the part or the rest, see
    :func:`core.privacy.safe_share`) is left out: the value alone, or NaN for a flag.
    The sizes themselves are protected by :func:`core.clusters.disclosure.size_suppression`.

    Returns
    -------
    DataFrame
        ``Cluster, Records, Share (%)`` then, per chosen column, its mean (numeric), its most
        common value with that value's share in the cluster (categorical), or the share
        of records with the flag; last ``Description`` (see :func:`describe_cluster`).
    """
    records = prepared.records
    rows = []
    for number in range(1, clustering.n_clusters + 1):
        members = records.loc[clustering.labels == number]
        row: dict[str, object] = {
            "Cluster": number,
            "Records": len(members),
            "Share (%)": round(100 * len(members) / len(records), 1),
        }
        for c in prepared.columns:
            kind = column_kind(c)
            key = f"{column_label(c)}: {_PROFILE_STAT[kind]}"
            if len(members) == 0:
                row[key] = None
            elif kind == "numeric":
                row[key] = round(float(members[c].mean()), 1)
            elif kind == "flag":
                flagged = int(members[c].sum())
                share = round(flagged / len(members), 3)
                row[key] = share if _shown_share(flagged, len(members), k) else np.nan
            else:
                source = f"{c}Name" if c in COUNTRY_COLUMNS else c
                value, count, whole = _mode_count(members[source])
                shown = _shown_share(count, whole, k)
                row[key] = f"{value} ({count / whole:.0%})" if shown else value
        row["Description"] = (
            describe_cluster(members, columns=prepared.columns, number=number, k=k)
            if len(members)
            else f"Cluster {number}: empty"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def scatter_title(
    profiles: pd.DataFrame,
    /,
    *,
    subset: pd.DataFrame | None = None,
    k: int | None = None,
    withheld: Sequence[bool] | np.ndarray | None = None,
    lead: str = "",
) -> str:
    """A title stating what the 3D view shows.

    Without ``subset``: the largest cluster's share and description. With ``subset``
    (labelled records matching the table's filters): which cluster most of them are in.
    A share that would give back a count of 1..k-1 (the part or the rest) is put in
    words instead (``k`` None: always as a number), and so is the largest cluster's when
    its size is ``withheld`` (one flag per row of ``profiles``); when its profile is
    withheld (:func:`core.clusters.disclosure.withhold_descriptions`), the title does
    not describe it. ``lead`` opens the title (e.g. that
    the clusters rest on a small share of the slice, see
    :func:`core.clusters.words.coverage_lead`).

    Examples
    --------
    >>> prof = pd.DataFrame({"Cluster": [1, 2], "Records": [30, 10], "Share (%)": [75.0, 25.0],
    ...                      "Description": ["Cluster 1: mostly men", "Cluster 2: mostly women"]})
    >>> scatter_title(prof)
    'The largest of 2 clusters holds 75% of the records: mostly men'
    >>> scatter_title(prof, k=20)
    'The largest of 2 clusters holds most of the records: mostly men'
    >>> scatter_title(prof, k=10, withheld=[True, True])
    'The largest of 2 clusters holds most of the records: mostly men'
    >>> scatter_title(prof.assign(Description=["Cluster 1: " + WITHHELD_PROFILE, "-"]),
    ...               k=10, withheld=[True, True])
    'The largest of 2 clusters holds most of the records (its profile is withheld)'
    >>> scatter_title(prof, subset=pd.DataFrame({"cluster": [2, 2, 1]}))
    "67% of the records matching the table's filters are in cluster 2"
    """
    if subset is not None:
        counts = subset["cluster"].value_counts().sort_index()
        top = int(counts.index[int(np.argmax(counts.to_numpy()))])
        top_count, whole = int(counts.max()), int(counts.sum())
        if _shown_share(top_count, whole, k):
            share = f"{top_count / whole:.0%} of the records"
        elif top_count / whole >= 0.5:
            share = "Most of the records"
        else:
            share = "More of the records than in any other cluster"
        return f"{lead}{share} matching the table's filters are in cluster {top}"
    sizes = profiles["Records"].to_numpy()
    largest = int(np.argmax(sizes))
    first = profiles.iloc[largest]
    size, whole = int(first["Records"]), int(sizes.sum())
    description = str(first["Description"]).split(": ", 1)[-1]
    # The largest size is withheld when it protects a small one: then no share either.
    hidden = withheld is not None and bool(np.asarray(withheld)[largest])
    if not hidden and _shown_share(size, whole, k):
        share = f"{first['Share (%)']:.0f}% of the records"
    else:
        share = "most of the records" if size / whole >= 0.5 else "more records than any other"
    if description == WITHHELD_PROFILE:  # see core.clusters.disclosure.withhold_descriptions
        return (
            f"{lead}The largest of {len(profiles)} clusters holds {share} (its profile is withheld)"
        )
    return f"{lead}The largest of {len(profiles)} clusters holds {share}: {description}"
