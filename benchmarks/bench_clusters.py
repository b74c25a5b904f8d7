"""Benchmark of the cluster explorer (issue 6).

``clusters_s``: one clustering run as the page does it (prepare, K-means with
``N_INIT`` = 100 restarts, profiles and their small-cell protection at k = 10) with
4 columns (age, gender, citizenship, country of exploitation), label codes, standardised,
8 clusters. ``clusters_onehot_s``: the same with one-hot columns. ``clusters_diagnostics_s``:
the elbow / silhouette computation for k = 2..10 on the same columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.timing import median_seconds
from core.clusters.disclosure import protect_view
from core.clusters.kmeans import fit_kmeans, n_clusters_diagnostics
from core.clusters.prepare import prepare
from core.clusters.profiles import cluster_profiles
from core.privacy import DEFAULT_K

__all__ = ["COLUMNS", "measure"]

COLUMNS = ("ageMid", "gender", "citizenship", "CountryOfExploitation")


def _run(frame: pd.DataFrame, encoding: str) -> None:
    prepared = prepare(frame, columns=COLUMNS, encoding=encoding, scale=True)
    profiles = cluster_profiles(prepared, fit_kmeans(prepared, n_clusters=8), k=DEFAULT_K)
    protect_view(prepared, profiles["Records"], k=DEFAULT_K)


def measure(path: Path, frame: pd.DataFrame) -> dict[str, float]:
    """Seconds for one clustering run (and variants) on ``frame``."""
    del path  # the loaded frame is all this benchmark needs
    prepared = prepare(frame, columns=COLUMNS, scale=True)
    return {
        "clusters_s": median_seconds(lambda: _run(frame, "label"), repeat=3),
        "clusters_onehot_s": median_seconds(lambda: _run(frame, "onehot"), repeat=3),
        "clusters_diagnostics_s": median_seconds(
            lambda: n_clusters_diagnostics(prepared), repeat=1
        ),
    }
