"""Charts of the shifts (:mod:`core.explore.shifts`): shares per year and their trend.

The shared look (title, sizes, colour scales) is in :mod:`core.explore.charts`.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd

from core.explore.charts import (
    AUTOSIZE,
    HEIGHT,
    WIDTH,
    AltairChart,
    nominal_scale,
    ordered_scale,
    title_params,
)
from core.palette import OKABE_ITO

__all__ = ["shares_chart", "trend_chart"]


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
    scale = ordered_scale(labels) if ordered else nominal_scale(labels)
    return (
        alt.Chart(data, title=title_params(title))
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
        .properties(width=WIDTH, height=HEIGHT, autosize=AUTOSIZE)
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
    return alt.layer(dots, line, title=title_params(title)).properties(
        width=WIDTH, height=HEIGHT, autosize=AUTOSIZE
    )
