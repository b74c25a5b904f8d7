"""Chart builders for the Explore screen: the shared look, tactics, years and data quality.

Altair everywhere (its PNG export runs server-side). Colours are colour-blind safe:
Okabe-Ito for unordered groups, viridis for ordered bands and continuous values.
Builders never compute aggregates; they only lay out what they are given, so titles (the
findings) come from the caller.

The other Explore charts: flows and country profiles in
:mod:`core.explore.country_charts` (the Sankey is Plotly, which Altair cannot draw),
shares per year and trends in :mod:`core.explore.shift_charts`. Both use the look
defined here (:func:`title_params`, :data:`WIDTH`, :func:`nominal_scale`, ...).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import altair as alt
import pandas as pd
from altair.expr.core import Expression

from core.palette import CHART_TITLE_COLOUR, OKABE_ITO

__all__ = [
    "AUTOSIZE",
    "HEIGHT",
    "OKABE_ITO",
    "WIDTH",
    "AltairChart",
    "cell_labels",
    "coverage_chart",
    "missing_chart",
    "nominal_scale",
    "ordered_scale",
    "tactics_chart",
    "title_params",
    "yearly_by_type_chart",
    "yearly_chart",
]

#: What a builder returns: ``alt.layer`` gives a layer chart, or a facet chart when its
#: layers share a facet encoding (none of these do), so the type says both.
AltairChart = alt.Chart | alt.LayerChart | alt.FacetChart

WIDTH = 640  # for the PNG export; on screen the chart stretches to the column
HEIGHT = 320  # charts with a continuous vertical axis


# Fit the width to the column but keep the height for the plot itself: with Streamlit's
# default ("fit" in both directions) titles and bottom legends squeeze the plot flat.
AUTOSIZE = alt.AutoSizeParams(type="fit-x", contains="padding")


def title_params(text: str, subtitle: str | None = None) -> alt.TitleParams:
    """The title (the finding) of every Explore chart: left-aligned, one size."""
    return alt.TitleParams(
        text=text,
        subtitle=subtitle or alt.Undefined,
        anchor="start",
        fontSize=15,
        subtitleFontSize=12,
    )


def nominal_scale(domain: Sequence[str]) -> alt.Scale:
    """Okabe-Ito for up to eight groups, viridis beyond (both colour-blind safe)."""
    domain = list(domain)
    if len(domain) <= len(OKABE_ITO):
        return alt.Scale(domain=domain, range=list(OKABE_ITO[: len(domain)]))
    return alt.Scale(domain=domain, scheme="viridis")


def ordered_scale(domain: Sequence[str]) -> alt.Scale:
    """Viridis for ordered bands (age, time trafficked)."""
    return alt.Scale(domain=list(domain), scheme="viridis")


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
        return alt.layer(bars, text, title=title_params(title)).properties(
            width=WIDTH, autosize=AUTOSIZE
        )
    group_title = by_label or by
    tooltip = [alt.Tooltip(f"{by}:N", title=group_title), *tooltip]
    groups = list(groups) or list(dict.fromkeys(data[by]))
    if len(groups) <= 4:
        # Each bar says its group and share in words too: meaning never by colour alone.
        bars = alt.Chart().mark_bar()
        words = (
            alt.Chart()
            .mark_text(align="left", dx=3, fontSize=10)
            .encode(text="bar_words:N", color=alt.value(CHART_TITLE_COLOUR))
        )
        return (
            alt.layer(bars, words, data=data, title=title_params(title))
            .transform_calculate(
                bar_words=f"datum[{json.dumps(by)}] + ': ' + format(datum.share, '.0%')"
            )
            .encode(
                y=y,
                x=x_share,
                yOffset=alt.YOffset(f"{by}:N", sort=groups),
                color=alt.Color(
                    f"{by}:N",
                    scale=nominal_scale(groups),
                    title=group_title,
                    legend=alt.Legend(orient="bottom", labelLimit=320),
                ),
                tooltip=tooltip,
            )
            .properties(width=WIDTH, autosize=AUTOSIZE)
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
    return alt.layer(cells, text, title=title_params(title)).properties(
        width=WIDTH, autosize=AUTOSIZE
    )


# --------------------------------------------------------------------------- trends
def yearly_chart(table: pd.DataFrame, /, *, title: str) -> alt.Chart:
    """Registrations per year; likely incomplete years in a second colour."""
    data = table.dropna(subset=["count"])
    statuses = list(dict.fromkeys(["Complete", *data["status"].tolist()]))
    return (
        alt.Chart(data, title=title_params(title))
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
        .properties(width=WIDTH, height=HEIGHT, autosize=AUTOSIZE)
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
    return alt.layer(*layers, title=title_params(title)).properties(
        width=WIDTH, height=HEIGHT, autosize=AUTOSIZE
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
    return alt.layer(bars, text, title=title_params(title)).properties(
        width=WIDTH, autosize=AUTOSIZE
    )


def cell_labels(text: alt.Text, *, light: Expression, size: int) -> alt.Chart:
    """A heatmap's text layer: each cell writes its value, so colour is never the only way
    to read it (WCAG 1.4.1). Viridis is light at its high end: where ``light`` holds (a
    Vega expression on ``datum``) the text is black, elsewhere white. The layer takes its
    data and position from the :func:`alt.layer` it is put in."""
    return (
        alt.Chart()
        .mark_text(fontSize=size)
        .encode(text=text, color=alt.condition(light, alt.value("black"), alt.value("white")))
    )


def coverage_chart(table: pd.DataFrame, /, *, title: str) -> alt.LayerChart:
    """Share of each year's records with each field given (heatmap: field by year).

    ``table`` is :func:`core.explore.quality.coverage_by_year`, protected; only its
    ``"given"`` rows are drawn, and a withheld share (NaN) leaves its cell empty. Each
    cell writes its share in per cent too (never colour alone), white on the dark half
    of the scale.
    """
    given = table[table["category"] == "given"]
    fields = list(dict.fromkeys(given["field"]))
    text = (
        cell_labels(alt.Text("percent:Q", format="d"), light=alt.datum.share > 0.5, size=8)
        .transform_filter("isValid(datum.share)")
        # the share in per cent without the sign: "100%" does not fit a year's cell
        .transform_calculate(percent="round(datum.share * 100)")
    )
    return (
        alt.layer(alt.Chart().mark_rect(), text, data=given, title=title_params(title))
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
        .properties(width=WIDTH, height=22 * max(len(fields), 1))
        .properties(autosize=AUTOSIZE)
    )
