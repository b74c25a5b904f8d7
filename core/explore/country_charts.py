"""Charts of the country tables (:mod:`core.explore.countries`): flows and profiles.

The heatmap and the country profiles are Altair; the Sankey is Plotly, which Altair
cannot draw. The shared look (title, sizes, colour scales) is in :mod:`core.explore.charts`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from core.explore.charts import (
    AUTOSIZE,
    WIDTH,
    cell_labels,
    nominal_scale,
    ordered_scale,
    title_params,
)
from core.explore.countries import Flows
from core.palette import OKABE_ITO

__all__ = ["flows_heatmap", "flows_sankey", "profile_chart"]


# --------------------------------------------------------------------------- flows
def flows_heatmap(flows: Flows, /, *, title: str, log: bool = True) -> alt.LayerChart:
    """Heatmap: citizenship (rows) by country of exploitation (columns), colour = records.

    ``log`` colours on a logarithmic scale (the legend still reads in records), so that
    flows of 20 and of 20,000 are both visible; otherwise linear. Each cell also writes
    its count (short form: 8.6k), so the colour is never the only way to read it; the
    text is white on the dark half of the scale and black on the light half.
    """
    data = flows.table.dropna(subset=["count"])
    scale = alt.Scale(type="log", scheme="viridis") if log else alt.Scale(scheme="viridis")
    legend_title = "Records (log scale)" if log else "Records"
    counts = data["count"].astype(float)
    low, high = (float(counts.min()), float(counts.max())) if len(counts) else (1.0, 1.0)
    # viridis is dark at its low end: the middle of the colour scale, as the scale runs
    middle = math.sqrt(max(low, 1.0) * max(high, 1.0)) if log else (low + high) / 2
    # the encodings sit on the layer, so both marks (and readers of the spec) share them;
    # the text mark sets its own colour
    text = cell_labels(alt.Text("count:Q", format=".2~s"), light=alt.datum.count > middle, size=9)
    return (
        alt.layer(alt.Chart().mark_rect(), text, data=data, title=title_params(title))
        .encode(
            x=alt.X(
                "exploitation:N",
                sort=flows.exploitation_order,
                title="Country of exploitation",
                axis=alt.Axis(labelAngle=-45, labelOverlap=False, labelLimit=160),
            ),
            y=alt.Y("citizenship:N", sort=flows.citizenship_order, title="Country of citizenship"),
            color=alt.Color("count:Q", scale=scale, title=legend_title),
            tooltip=[
                alt.Tooltip("citizenship:N", title="Citizens of"),
                alt.Tooltip("exploitation:N", title="Exploited in"),
                alt.Tooltip("count:Q", title="Records", format=","),
            ],
        )
        .properties(width=WIDTH, autosize=AUTOSIZE)
    )


def flows_sankey(links: pd.DataFrame, /, *, title: str) -> Any:
    """Plotly Sankey of the largest flows: citizenship on the left, exploitation right."""
    import plotly.graph_objects as go

    data = links.dropna(subset=["count"])
    left = list(dict.fromkeys(data["citizenship"]))
    right = list(dict.fromkeys(data["exploitation"]))
    labels = [f"{c} (citizens)" for c in left] + [f"{c} (exploited in)" for c in right]
    colours = [OKABE_ITO[i % 7] for i in range(len(left))] + ["#999999"] * len(right)

    def translucent(hex_colour: str) -> str:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r},{g},{b},0.45)"

    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={
                "label": labels,
                "color": colours,
                "pad": 14,
                "thickness": 16,
                "hovertemplate": "%{label}: %{value:,} records<extra></extra>",
            },
            link={
                "source": [left.index(c) for c in data["citizenship"]],
                "target": [len(left) + right.index(c) for c in data["exploitation"]],
                "value": data["count"].tolist(),
                "color": [translucent(colours[left.index(c)]) for c in data["citizenship"]],
                "hovertemplate": "Citizens of %{source.label} exploited in %{target.label}: "
                "%{value:,} records<extra></extra>",
            },
        )
    )
    figure.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        height=max(360, 34 * max(len(left), len(right))),
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        font={"size": 13},
    )
    return figure


# --------------------------------------------------------------------------- profiles
def profile_chart(
    table: pd.DataFrame,
    /,
    *,
    title: str,
    field_label: str,
    categories: Sequence[str],
    ordered: bool,
) -> alt.FacetChart:
    """100% stacked bars of a field's distribution per country, one panel per group."""
    data = table.dropna(subset=["share"]).copy()
    order = {c: i for i, c in enumerate(categories)}
    data["category_order"] = data["category"].map(order)
    countries = list(dict.fromkeys(data["country"]))
    scale = ordered_scale(categories) if ordered else nominal_scale(categories)
    bars = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            x=alt.X(
                "share:Q",
                stack="zero",
                title="Share of the country's records with it known",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            y=alt.Y("country:N", sort=countries, title=None, axis=alt.Axis(labelLimit=240)),
            color=alt.Color(
                "category:N",
                scale=scale,
                title=field_label,
                legend=alt.Legend(orient="bottom", labelLimit=320, columns=5),
            ),
            order=alt.Order("category_order:Q"),
            tooltip=[
                alt.Tooltip("country:N", title="Country"),
                alt.Tooltip("category:N", title=field_label),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
                alt.Tooltip("count:Q", title="Records", format=","),
                alt.Tooltip("known:Q", title="Records with it known", format=","),
            ],
        )
        .properties(width=WIDTH - 160)
    )
    return bars.facet(
        row=alt.Row(
            "group:N",
            title=None,
            sort=list(dict.fromkeys(data["group"])),
            header=alt.Header(
                labelFontWeight="bold", labelAngle=0, labelAlign="left", labelFontSize=12
            ),
        ),
        title=title_params(title),
    ).resolve_scale(y="independent")
