"""Charts of the cluster explorer: a Plotly 3D scatter and the elbow / silhouette charts.

Colours are Okabe–Ito (colour-blind safe, :mod:`core.palette`), the clusters taking them
in the order that keeps the first ones furthest apart. Colour is never the only cue: each
of the first eight clusters has a marker shape of its own as well, and beyond eight the
shapes shift against the colours, so that no two clusters look alike.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.clusters.kmeans import SEED, elbow_n_clusters
from core.clusters.prepare import CATEGORICAL_COLUMNS, NUMERIC_COLUMNS, column_label
from core.palette import OKABE_ITO, OKABE_ITO_DISTINCT

__all__ = [
    "SCATTER_SAMPLE",
    "axis_positions",
    "elbow_chart",
    "scatter_3d",
    "scatter_sample",
    "silhouette_chart",
]

# every marker shape Plotly's 3D scatter has
_SYMBOLS = (
    "circle",
    "diamond",
    "square",
    "cross",
    "x",
    "circle-open",
    "diamond-open",
    "square-open",
)
SCATTER_SAMPLE = 5_000  # points drawn in the 3D view (the browser slows down beyond)
_MAX_TICKS = 40
_HIGHLIGHT = OKABE_ITO[5]  # vermillion: the number of clusters on screen
_LINE = OKABE_ITO[4]  # blue


def _display_column(column: str, records: pd.DataFrame) -> str:
    """The column shown for ``column``: its country names when the records have them."""
    name = f"{column}Name"
    return name if name in records.columns else column


def axis_positions(
    records: pd.DataFrame, column: str, /
) -> tuple[np.ndarray, list[float], list[str]]:
    """Numbers to plot a column at, with tick positions and tick labels.

    Numbers stay numbers; flags are 0 (no) / 1 (yes); categorical columns are placed at
    0, 1, 2, ... in sorted order of their values (the label codes), labelled with the
    value (country names for countries). Ticks are left out beyond 40 values.

    Raises
    ------
    ValueError
        ``column`` is not a column of ``records``.

    Examples
    --------
    >>> r = pd.DataFrame({"gender": ["Male", "Female", "Male"]})
    >>> pos, ticks, text = axis_positions(r, "gender")
    >>> pos.tolist(), ticks, text
    ([1.0, 0.0, 1.0], [0.0, 1.0], ['Female', 'Male'])
    """
    if column not in records.columns:
        raise ValueError(
            f"the records have no column {column!r}; choose from "
            f"{', '.join(map(str, records.columns))}"
        )
    series = records[column]
    if column in NUMERIC_COLUMNS:
        return series.to_numpy(dtype=float), [], []
    if column not in CATEGORICAL_COLUMNS:  # a 0/1 flag
        return series.to_numpy(dtype=float), [0.0, 1.0], ["no", "yes"]
    codes, uniques = pd.factorize(series, sort=True)
    labels = records[_display_column(column, records)]
    names = dict(zip(series, labels, strict=True))
    ticks = [float(i) for i in range(len(uniques))]
    text = [str(names[u]) for u in uniques]
    if len(uniques) > _MAX_TICKS:
        ticks, text = [], []
    return codes.astype(float), ticks, text


def scatter_sample(
    records: pd.DataFrame, /, *, size: int = SCATTER_SAMPLE, seed: int = SEED
) -> pd.DataFrame:
    """A reproducible random sample of at most ``size`` records (all of them if fewer)."""
    if len(records) <= size:
        return records
    return records.sample(n=size, random_state=seed).sort_index()


def _jittered(values: np.ndarray, amount: float, rng: np.random.Generator) -> np.ndarray:
    """``values`` shifted at random by up to ``amount`` of the gap between neighbours."""
    if amount <= 0 or len(values) == 0:
        return values
    levels = np.unique(values)
    gap = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
    return values + rng.uniform(-0.5, 0.5, size=len(values)) * amount * gap


def scatter_3d(
    records: pd.DataFrame,
    /,
    *,
    x: str,
    y: str,
    z: str,
    title: str,
    jitter: float = 0.0,
    seed: int = SEED,
) -> go.Figure:
    """A 3D scatter of ``records`` (with a ``cluster`` column), one colour per cluster.

    Parameters
    ----------
    records
        Records to draw (already sampled: see :func:`scatter_sample`).
    x, y, z
        Columns on the axes.
    title
        The chart's title (state the finding).
    jitter
        Spread identical points by up to this share of the gap between neighbouring
        values on each axis (0 = none; 0.6 keeps bands apart).
    seed
        Seed of the jitter.

    Raises
    ------
    ValueError
        ``x``, ``y`` or ``z`` is not a column of ``records``.
    """
    rng = np.random.default_rng(seed)
    axes = {}
    for axis, column in (("x", x), ("y", y), ("z", z)):
        positions, ticks, text = axis_positions(records, column)
        axes[axis] = (_jittered(positions, jitter, rng), ticks, text, column)
    hover_columns = list(dict.fromkeys(_display_column(c, records) for c in (x, y, z)))
    figure = go.Figure()
    clusters = sorted(records["cluster"].unique())
    for i, number in enumerate(clusters):
        member = (records["cluster"] == number).to_numpy()
        hover = records.loc[member, hover_columns].astype(str)
        text = [
            "<br>".join(f"{column_label(c)}: {v}" for c, v in zip(hover_columns, row, strict=True))
            for row in hover.itertuples(index=False)
        ]
        figure.add_trace(
            go.Scatter3d(
                x=axes["x"][0][member],
                y=axes["y"][0][member],
                z=axes["z"][0][member],
                mode="markers",
                name=f"Cluster {number}",
                marker={
                    "size": 3,
                    "opacity": 0.7,
                    "color": OKABE_ITO_DISTINCT[i % len(OKABE_ITO_DISTINCT)],
                    "symbol": _SYMBOLS[(i + i // len(_SYMBOLS)) % len(_SYMBOLS)],
                },
                hovertext=text,
                hoverinfo="text+name",
            )
        )
    scene: dict[str, object] = {}
    for axis, (_values, ticks, text, column) in axes.items():
        spec: dict[str, object] = {"title": {"text": column_label(column)}}
        if ticks:
            spec.update(tickmode="array", tickvals=ticks, ticktext=text)
        scene[f"{axis}axis"] = spec
    figure.update_layout(
        title={"text": "<br>".join(textwrap.wrap(title, width=90))},
        scene=scene,
        legend={"title": {"text": "Cluster"}, "itemsizing": "constant"},
        height=650,
        margin={"l": 0, "r": 0, "t": 90, "b": 0},
    )
    return figure


def _n_clusters_chart(
    diagnostics: pd.DataFrame,
    field: str,
    axis_title: str,
    title: str,
    n_clusters: int | None,
    domain: Sequence[float] | None = None,
) -> alt.Chart:
    """One diagnostic against the number of clusters, the one on screen highlighted."""
    data = diagnostics.dropna(subset=[field]).assign(
        current=lambda d: np.where(d["k"] == n_clusters, "your k", "other k")
    )
    y = alt.Y(
        f"{field}:Q",
        title=axis_title,
        scale=alt.Scale(domain=list(domain)) if domain else alt.Scale(zero=False),
    )
    base = alt.Chart(data).encode(
        x=alt.X("k:O", title="Number of clusters (k)", axis=alt.Axis(labelAngle=0)),
        y=y,
        tooltip=[
            alt.Tooltip("k:O", title="k"),
            alt.Tooltip(f"{field}:Q", title=axis_title, format=",.3f"),
        ],
    )
    line = base.mark_line(color=_LINE)
    points = base.mark_point(filled=True, size=90).encode(
        color=alt.Color(
            "current:N",
            title=None,
            scale=alt.Scale(domain=["your k", "other k"], range=[_HIGHLIGHT, _LINE]),
        ),
    )
    return (line + points).properties(title=title, height=280)


def elbow_chart(diagnostics: pd.DataFrame, /, *, n_clusters: int | None = None) -> alt.Chart:
    """Inertia against the number of clusters; the title names the number where the curve
    bends (see :func:`core.clusters.kmeans.elbow_n_clusters`). ``n_clusters``: the number
    on screen, highlighted.

    Examples
    --------
    >>> d = pd.DataFrame({"k": [2, 3, 4, 5], "inertia": [100.0, 40, 30, 25],
    ...                   "silhouette": [0.5, 0.6, 0.4, 0.3]})
    >>> elbow_chart(d).to_dict()["title"]
    'Adding clusters beyond k = 3 shrinks the spread within clusters less'
    """
    bend = elbow_n_clusters(diagnostics)
    if bend is None:
        title = "Spread within clusters for each number of clusters"
    else:
        title = f"Adding clusters beyond k = {bend} shrinks the spread within clusters less"
    return _n_clusters_chart(
        diagnostics,
        "inertia",
        "Spread within clusters (inertia, lower = tighter)",
        title,
        n_clusters,
    )


def silhouette_chart(diagnostics: pd.DataFrame, /, *, n_clusters: int | None = None) -> alt.Chart:
    """Silhouette score against the number of clusters; the title names the best separated
    number. ``n_clusters``: the number on screen, highlighted.

    Examples
    --------
    >>> d = pd.DataFrame({"k": [2, 3, 4], "inertia": [3.0, 2, 1], "silhouette": [0.5, 0.62, 0.4]})
    >>> silhouette_chart(d).to_dict()["title"]
    'Clusters are best separated at k = 3 (silhouette 0.62)'
    """
    valid = diagnostics.dropna(subset=["silhouette"])
    if valid.empty:
        title = "No silhouette score could be computed for these settings"
    else:
        best = valid.iloc[int(np.argmax(valid["silhouette"].to_numpy()))]
        title = (
            f"Clusters are best separated at k = {int(best['k'])} "
            f"(silhouette {best['silhouette']:.2f})"
        )
    return _n_clusters_chart(
        diagnostics,
        "silhouette",
        "Silhouette score (-1 to 1, higher = better separated)",
        title,
        n_clusters,
    )
