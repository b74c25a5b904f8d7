"""Chart builders for the Explore screen: tables of :mod:`core.explore` in, charts out.

Altair everywhere (its PNG export runs server-side); Plotly only for the Sankey, which
Altair cannot draw. Colours are colour-blind safe: Okabe-Ito for unordered groups,
viridis for ordered bands and continuous values. Builders never compute aggregates;
they only lay out what they are given, so titles (the findings) come from the caller.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd

from core.explore.aggregates import Flows
from core.palette import OKABE_ITO

__all__ = [
    "OKABE_ITO",
    "AltairChart",
    "coverage_chart",
    "flows_heatmap",
    "flows_sankey",
    "missing_chart",
    "profile_chart",
    "shares_chart",
    "tactics_chart",
    "trend_chart",
    "yearly_by_type_chart",
    "yearly_chart",
]

#: What a builder returns: ``alt.layer`` gives a layer chart, or a facet chart when its
#: layers share a facet encoding (none of these do), so the type says both.
AltairChart = alt.Chart | alt.LayerChart | alt.FacetChart

_WIDTH = 640  # for the PNG export; on screen the chart stretches to the column
_HEIGHT = 320  # charts with a continuous vertical axis


# Fit the width to the column but keep the height for the plot itself: with Streamlit's
# default ("fit" in both directions) titles and bottom legends squeeze the plot flat.
_AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(
        text=text,
        subtitle=subtitle or alt.Undefined,
        anchor="start",
        fontSize=15,
        subtitleFontSize=12,
    )


def _nominal_scale(domain: Sequence[str]) -> alt.Scale:
    """Okabe-Ito for up to eight groups, viridis beyond (both colour-blind safe)."""
    domain = list(domain)
    if len(domain) <= len(OKABE_ITO):
        return alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))
    return alt.Scale(domain=domain, scheme="viridis")


def _ordered_scale(domain: Sequence[str]) -> alt.Scale:
    return alt.Scale(domain=list(domain), scheme="viridis")


# --------------------------------------------------------------------------- flows
def flows_heatmap(flows: Flows, /, *, title: str, log: bool = True) -> alt.Chart:
    """Heatmap: citizenship (rows) by country of exploitation (columns), colour = records.

    ``log`` colours on a logarithmic scale (the legend still reads in records), so that
    flows of 20 and of 20,000 are both visible; otherwise linear.
    """
    data = flows.table.dropna(subset=["count"])
    scale = alt.Scale(type="log", scheme="viridis") if log else alt.Scale(scheme="viridis")
    legend_title = "Records (log scale)" if log else "Records"
    return (
        alt.Chart(data, title=_title(title))
        .mark_rect()
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
        .properties(width=_WIDTH, autosize=_AUTOSIZE)
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
    scale = _ordered_scale(categories) if ordered else _nominal_scale(categories)
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
        .properties(width=_WIDTH - 160)
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
        title=_title(title),
    ).resolve_scale(y="independent")


# --------------------------------------------------------------------------- tactics
def tactics_chart(
    table: pd.DataFrame,
    /,
    *,
    title: str,
    axis_title: str,
    by: str | None = None,
    by_label: str | None = None,
    groups: Sequence[str] = (),
) -> AltairChart:
    """Ranked shares of a flag group: bars; split by a few groups: grouped bars;
    split by many groups: a heatmap of shares with the percentage written in each cell."""
    data = table.dropna(subset=["share"])
    labels = list(dict.fromkeys(table.sort_values("rank")["label"]))
    y = alt.Y("label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=260))
    x_share = alt.X("share:Q", title=axis_title, axis=alt.Axis(format="%"))
    tooltip = [
        alt.Tooltip("label:N", title="What"),
        alt.Tooltip("share:Q", title="Share", format=".1%"),
        alt.Tooltip("count:Q", title="Victims with it", format=","),
        alt.Tooltip("known:Q", title="Victims with any known", format=","),
    ]
    if by is None:
        base = alt.Chart(data).encode(y=y, x=x_share, tooltip=tooltip)
        bars = base.mark_bar(color=OKABE_ITO[4])
        text = base.mark_text(align="left", dx=3, fontSize=11).encode(
            text=alt.Text("share:Q", format=".0%")
        )
        return alt.layer(bars, text, title=_title(title)).properties(
            width=_WIDTH, autosize=_AUTOSIZE
        )
    group_title = by_label or by
    tooltip = [alt.Tooltip(f"{by}:N", title=group_title), *tooltip]
    groups = list(groups) or list(dict.fromkeys(data[by]))
    if len(groups) <= 4:
        return (
            alt.Chart(data, title=_title(title))
            .mark_bar()
            .encode(
                y=y,
                x=x_share,
                yOffset=alt.YOffset(f"{by}:N", sort=groups),
                color=alt.Color(
                    f"{by}:N",
                    scale=_nominal_scale(groups),
                    title=group_title,
                    legend=alt.Legend(orient="bottom", labelLimit=320),
                ),
                tooltip=tooltip,
            )
            .properties(width=_WIDTH, autosize=_AUTOSIZE)
        )
    base = alt.Chart(data).encode(
        y=y,
        x=alt.X(f"{by}:N", sort=groups, title=group_title, axis=alt.Axis(labelAngle=0)),
        tooltip=tooltip,
    )
    cells = base.mark_rect().encode(
        color=alt.Color(
            "share:Q",
            scale=alt.Scale(scheme="viridis"),
            title=axis_title,
            legend=alt.Legend(format="%"),
        )
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("share:Q", format=".0%"),
        color=alt.condition(alt.datum.share > 0.5, alt.value("black"), alt.value("white")),
    )
    return alt.layer(cells, text, title=_title(title)).properties(width=_WIDTH, autosize=_AUTOSIZE)


# --------------------------------------------------------------------------- trends
def yearly_chart(table: pd.DataFrame, /, *, title: str) -> alt.Chart:
    """Registrations per year; likely incomplete years in a second colour."""
    data = table.dropna(subset=["count"])
    statuses = list(dict.fromkeys(["Complete", *data["status"].tolist()]))
    return (
        alt.Chart(data, title=_title(title))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year of registration", axis=alt.Axis(labelAngle=0)),
            y=alt.Y("count:Q", title="Victims registered"),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=[OKABE_ITO[4], OKABE_ITO[0]]),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("count:Q", title="Records", format=","),
                alt.Tooltip("status:N", title="Status"),
            ],
        )
        .properties(width=_WIDTH, height=_HEIGHT, autosize=_AUTOSIZE)
    )


def _incomplete_band(years: Sequence[int]) -> alt.Chart | None:
    if not years:
        return None
    band = pd.DataFrame(
        {
            "start": [min(years) - 0.5],
            "end": [max(years) + 0.5],
            "note": ["Likely incomplete (reporting lag)"],
        }
    )
    return (
        alt.Chart(band)
        .mark_rect(color="#BBBBBB", opacity=0.35)
        .encode(x="start:Q", x2="end:Q", tooltip=alt.Tooltip("note:N", title="Note"))
    )


def yearly_by_type_chart(
    table: pd.DataFrame, /, *, title: str, incomplete: Sequence[int] = ()
) -> AltairChart:
    """Records per year and type of exploitation (lines), incomplete years shaded."""
    data = table.dropna(subset=["count"])
    types = list(dict.fromkeys(data["type"]))
    colours = [c for c in OKABE_ITO if c != "#F0E442"]  # yellow is faint on white lines
    palette = [
        ("#999999" if t == "Type not recorded" else colours[i % len(colours)])
        for i, t in enumerate(types)
    ]
    years = table["year"].astype(float)
    span = [float(years.min()) - 0.5, float(years.max()) + 0.5] if len(years) else alt.Undefined
    lines = (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "year:Q",
                title="Year of registration",
                axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domain=span, zero=False, nice=False),
            ),
            y=alt.Y("count:Q", title="Victims registered"),
            color=alt.Color(
                "type:N",
                title="Type of exploitation",
                scale=alt.Scale(domain=types, range=palette),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("type:N", title="Type"),
                alt.Tooltip("count:Q", title="Records", format=","),
            ],
        )
    )
    band = _incomplete_band(list(incomplete))
    layers = [band, lines] if band is not None else [lines]
    return alt.layer(*layers, title=_title(title)).properties(
        width=_WIDTH, height=_HEIGHT, autosize=_AUTOSIZE
    )


# --------------------------------------------------------------------------- shifts
def shares_chart(
    table: pd.DataFrame,
    /,
    *,
    title: str,
    field_label: str,
    labels: Sequence[str],
    ordered: bool,
    incomplete: Sequence[int] = (),
) -> alt.Chart:
    """100% stacked bars: each group's share per year; incomplete years faded."""
    data = table.dropna(subset=["share"]).copy()
    data["year_status"] = [
        "Likely incomplete" if y in set(incomplete) else "Complete" for y in data["year"]
    ]
    order = {c: i for i, c in enumerate(labels)}
    data["label_order"] = data["label"].map(order)
    scale = _ordered_scale(labels) if ordered else _nominal_scale(labels)
    return (
        alt.Chart(data, title=_title(title))
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year of registration", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "share:Q",
                stack="zero",
                title=f"Share ({field_label.lower()} known)",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color(
                "label:N",
                scale=scale,
                title=field_label,
                legend=alt.Legend(orient="bottom", labelLimit=320, columns=5),
            ),
            order=alt.Order("label_order:Q"),
            opacity=alt.Opacity(
                "year_status:N",
                legend=None,  # the caption explains it
                scale=alt.Scale(domain=["Complete", "Likely incomplete"], range=[1.0, 0.45]),
            ),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("label:N", title=field_label),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
                alt.Tooltip("count:Q", title="Records", format=","),
                alt.Tooltip("known:Q", title="Records with it known", format=","),
                alt.Tooltip("year_status:N", title="Year"),
            ],
        )
        .properties(width=_WIDTH, height=_HEIGHT, autosize=_AUTOSIZE)
    )


def trend_chart(
    observed: pd.DataFrame,
    curve: pd.DataFrame,
    /,
    *,
    title: str,
    label: str,
    incomplete: Sequence[int] = (),
) -> AltairChart:
    """Observed share per year (dots, sized by records) and the fitted trend (line);
    likely incomplete years are drawn as hollow dots."""
    data = observed.dropna(subset=["share"]).copy()
    data["year_status"] = [
        "Likely incomplete" if y in set(incomplete) else "Complete" for y in data["year"]
    ]
    dots = (
        alt.Chart(data)
        .mark_point(color=OKABE_ITO[5], filled=True, opacity=0.85)
        .encode(
            shape=alt.Shape(
                "year_status:N",
                title="Year",
                scale=alt.Scale(
                    domain=["Complete", "Likely incomplete"], range=["circle", "triangle-up"]
                ),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            x=alt.X(
                "year:Q",
                title="Year of registration",
                axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(zero=False, nice=False, padding=8),
            ),
            y=alt.Y("share:Q", title=f"Share that are {label}", axis=alt.Axis(format="%")),
            size=alt.Size(
                "known:Q",
                title="Records with it known",
                legend=alt.Legend(orient="bottom", labelLimit=320, format=",.0f"),
            ),
            tooltip=[
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("year_status:N", title="Year"),
                alt.Tooltip("share:Q", title="Observed share", format=".1%"),
                alt.Tooltip("known:Q", title="Records", format=","),
            ],
        )
    )
    line = (
        alt.Chart(curve)
        .mark_line(color=OKABE_ITO[4], strokeWidth=3)
        .encode(
            x="year:Q",
            y="fitted:Q",
            tooltip=[
                alt.Tooltip("year:Q", title="Year", format="d"),
                alt.Tooltip("fitted:Q", title="Trend", format=".1%"),
            ],
        )
    )
    return alt.layer(dots, line, title=_title(title)).properties(
        width=_WIDTH, height=_HEIGHT, autosize=_AUTOSIZE
    )


# --------------------------------------------------------------------------- quality
def missing_chart(table: pd.DataFrame, /, *, title: str) -> AltairChart:
    """Share of records missing each field (bars, longest first)."""
    order = table.sort_values("missing_share", ascending=False, kind="stable")["field"].tolist()
    base = alt.Chart(table).encode(
        y=alt.Y("field:N", sort=order, title=None, axis=alt.Axis(labelLimit=300)),
        x=alt.X(
            "missing_share:Q",
            title="Share of records in view with it missing",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        tooltip=[
            alt.Tooltip("field:N", title="Field"),
            alt.Tooltip("missing:Q", title="Records missing it", format=","),
            alt.Tooltip("missing_share:Q", title="Share", format=".1%"),
        ],
    )
    bars = base.mark_bar(color=OKABE_ITO[5])
    text = base.mark_text(align="left", dx=3, fontSize=11).encode(
        text=alt.Text("missing_share:Q", format=".0%")
    )
    return alt.layer(bars, text, title=_title(title)).properties(width=_WIDTH, autosize=_AUTOSIZE)


def coverage_chart(table: pd.DataFrame, /, *, title: str) -> alt.Chart:
    """Share of each year's records with each field given (heatmap: field by year).

    ``table`` is :func:`core.explore.quality.coverage_by_year`, protected; only its
    ``"given"`` rows are drawn, and a withheld share (NaN) leaves its cell empty.
    """
    given = table[table["category"] == "given"]
    fields = list(dict.fromkeys(given["field"]))
    return (
        alt.Chart(given)
        .mark_rect()
        .encode(
            x=alt.X("year:O", title="Year of registration"),
            y=alt.Y("field:N", sort=fields, title=None, axis=alt.Axis(labelLimit=300)),
            color=alt.Color(
                "share:Q",
                title="Records with it given",
                scale=alt.Scale(scheme="viridis", domain=[0, 1]),
                legend=alt.Legend(format="%"),
            ),
            tooltip=[
                alt.Tooltip("field:N", title="Field"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("count:Q", title="Records with it given", format=","),
                alt.Tooltip("known:Q", title="Records of the year", format=","),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(title=_title(title), width=_WIDTH, height=22 * max(len(fields), 1))
        .properties(autosize=_AUTOSIZE)
    )
