"""The forecast chart: observed counts, the model's line and its 80% and 95% bands.

Each segment keeps its Okabe–Ito colour (:mod:`core.palette`) whatever else is shown;
observed counts from 1 to k - 1 are not drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from core.forecast.series import SegmentForecast
from core.forecast.words import forecast_title
from core.palette import OKABE_ITO
from core.privacy import small_mask

__all__ = ["LAYOUTS", "SEGMENT_COLOURS", "chart_frame", "forecast_chart"]

#: The chart's layouts: one chart with a colour per segment, or small multiples.
LAYOUTS: tuple[str, ...] = ("overlay", "facet")

# Fixed per segment so a segment keeps its colour whatever else is shown. Black is kept
# for the group shown least often: its bands look grey, like the incomplete years (which
# are also told apart by their hollow diamond shape).
SEGMENT_COLOURS: dict[str, str] = {
    "all": OKABE_ITO[4],  # blue
    "female": OKABE_ITO[0],  # orange
    "male": OKABE_ITO[1],  # sky blue
    "adult": OKABE_ITO[2],  # bluish green
    "minor": OKABE_ITO[5],  # vermillion
    "sexual": OKABE_ITO[6],  # reddish purple
    "labour": OKABE_ITO[7],  # black
}
# Not an Okabe–Ito hue on purpose: the incomplete years should read as "not data".
_GREY = "#999999"


def chart_frame(results: Sequence[SegmentForecast], /, *, k: int) -> pd.DataFrame:
    """One long table for the chart: observed counts 1..k-1 are blanked (not drawn).

    Returns
    -------
    DataFrame
        The results' tables one after the other, with ``segment`` (the label) and
        ``key`` first, and ``band`` (draw the bands: from the last fitted year on).
    """
    parts = []
    for r in results:
        t = r.table.copy()
        t.insert(0, "segment", r.label)
        t.insert(1, "key", r.segment)
        parts.append(t)
    data = pd.concat(parts, ignore_index=True)
    data.loc[small_mask(data["y"].to_numpy(), k), "y"] = np.nan
    last_fit = data[data["in_fit"]].groupby("segment")["year"].max()
    data["band"] = data["year"] >= data["segment"].map(last_fit)
    data["band"] = data["band"].fillna(False).astype(bool) & data["yhat"].notna()
    return data


def forecast_chart(
    results: Sequence[SegmentForecast],
    /,
    *,
    k: int,
    layout: str = "overlay",
    title: tuple[str, str] | None = None,
    columns: int = 2,
) -> Any:
    """Altair chart: observed counts, the model's fit and forecast, 80% and 95% bands.

    Parameters
    ----------
    results
        The segments to draw (those without a fit show only their observed counts).
    k
        Small-cell threshold: observed counts 1..k-1 are not drawn.
    layout
        ``"overlay"`` (one chart, a colour per segment) or ``"facet"`` (small
        multiples, each with its own vertical scale).
    title
        Title and subtitle; by default :func:`core.forecast.words.forecast_title`.
    columns
        How many small multiples side by side (``"facet"``): 2 on a wide screen, 1 on a
        phone, where two panels would be wider than the screen.

    Returns
    -------
    altair.LayerChart or altair.FacetChart

    Raises
    ------
    ValueError
        ``layout`` is not one of :data:`LAYOUTS`, or ``columns`` is not 1 to 4.
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    if isinstance(columns, bool) or not isinstance(columns, int) or not 1 <= columns <= 4:
        raise ValueError(f"columns must be a whole number from 1 to 4, not {columns!r}")
    import altair as alt

    data = chart_frame(results, k=k)
    labels = [r.label for r in results]
    colour = alt.Color(
        "segment:N",
        title="Segment",
        sort=labels,
        scale=alt.Scale(
            domain=labels, range=[SEGMENT_COLOURS.get(r.segment, OKABE_ITO[7]) for r in results]
        ),
    )
    x = alt.X(
        "year:Q",
        title="Year of registration",
        axis=alt.Axis(format="d", tickMinStep=1),
        scale=alt.Scale(domain=[int(data["year"].min()), int(data["year"].max())], nice=False),
    )
    y_title = "Identified victims registered"
    y_scale = alt.Scale(zero=True, padding=0)  # a floored forecast sits on the 0 line
    tooltip = [
        alt.Tooltip("segment:N", title="Segment"),
        alt.Tooltip("year:Q", title="Year", format="d"),
        alt.Tooltip("y:Q", title="Observed", format=",.0f"),
        alt.Tooltip("yhat:Q", title="Model", format=",.0f"),
        alt.Tooltip("yhat_lower:Q", title="95% from", format=",.0f"),
        alt.Tooltip("yhat_upper:Q", title="95% to", format=",.0f"),
    ]
    base = alt.Chart()
    band95 = (
        base.mark_area(opacity=0.15)
        .encode(
            x=x,
            y=alt.Y("yhat_lower:Q", title=y_title, scale=y_scale),
            y2="yhat_upper:Q",
            color=colour,
        )
        .transform_filter("datum.band")
    )
    band80 = (
        base.mark_area(opacity=0.3)
        .encode(
            x=x,
            y="yhat_lower_80:Q",
            y2="yhat_upper_80:Q",
            color=colour,
        )
        .transform_filter("datum.band")
    )
    observed = base.transform_filter("datum.in_fit && isValid(datum.y)")
    observed_line = observed.mark_line(strokeWidth=2).encode(x=x, y="y:Q", color=colour)
    observed_dots = observed.mark_circle(size=40, opacity=1).encode(
        x=x, y="y:Q", color=colour, tooltip=tooltip
    )
    model = (
        base.mark_line(strokeDash=[6, 4], strokeWidth=2)
        .encode(
            x=x,
            y="yhat:Q",
            color=colour,
            tooltip=tooltip,
        )
        .transform_filter("isValid(datum.yhat)")
    )
    greyed = (
        base.mark_point(
            size=70, shape="diamond", filled=False, strokeWidth=2, color=_GREY, opacity=1
        )
        .encode(
            x=x,
            y="y:Q",
            tooltip=tooltip,
        )
        .transform_filter("datum.excluded_incomplete && isValid(datum.y)")
    )
    layers = [band95, band80, observed_line, observed_dots, model, greyed]
    heading = title if title is not None else forecast_title(results, k=k)
    chart_title = alt.TitleParams(heading[0], subtitle=heading[1], anchor="start")
    if layout == "facet" and len(results) > 1:
        # Each panel is titled with its segment: the colour legend would only repeat it.
        return (
            alt.layer(*layers, data=data)
            # one column is for a phone: a panel and its axis then fit 390 px
            .properties(width=330 if columns > 1 else 270, height=200)
            .facet(
                facet=alt.Facet("segment:N", sort=labels, title=None),
                columns=columns,
            )
            .resolve_scale(y="independent")
            .properties(title=chart_title)
            .configure_legend(disable=True)
        )
    # The legend's symbols would take the faint band colour: show them solid.
    return (
        alt.layer(*layers, data=data)
        .properties(title=chart_title, height=420)
        .configure_legend(symbolOpacity=1)
    )
