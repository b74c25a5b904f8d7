"""The hidden-populations chart: the estimate per group, with its 95% interval.

Bars take the groups' colours of the risk screen (:data:`core.risk.charts.GROUP_COLOURS`,
Okabe–Ito), so a group looks the same on both screens; whiskers are the palette's black.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core.hidden.words import unit_text
from core.risk.charts import GROUP_COLOURS, INTERVAL_COLOUR
from core.risk.records import GROUP_ORDER

if TYPE_CHECKING:
    import altair as alt

__all__ = ["estimate_chart"]


def estimate_chart(table: pd.DataFrame, /, *, title: str, unit: str) -> alt.LayerChart:
    """Bars of the estimate per group with 95% interval whiskers (estimable groups only).

    Parameters
    ----------
    table
        An :func:`core.hidden.estimate.extrapolate` table (protected or not); rows
        without an estimate are left out.
    title
        The chart's title (its finding, e.g. from
        :func:`core.hidden.words.estimate_headline`).
    unit
        The survey's unit, a key of :data:`core.hidden.survey.UNITS` (for the axis).

    Returns
    -------
    altair.LayerChart
        The bars and the interval rules.

    Raises
    ------
    ValueError
        When ``unit`` is not one of the allowed units.
    """
    import altair as alt

    axis_title = f"Estimate ({unit_text(unit)})"
    data = table[table["estimate"].notna()].copy()
    groups = [g for g in GROUP_ORDER if g in set(data["group"])]
    base = alt.Chart(data).encode(
        x=alt.X("group:N", sort=groups, title=None, axis=alt.Axis(labelAngle=0))
    )
    bars = base.mark_bar().encode(
        y=alt.Y("estimate:Q", title=axis_title, axis=alt.Axis(format=",.0f")),
        color=alt.Color(
            "group:N",
            sort=groups,
            legend=None,
            scale=alt.Scale(domain=groups, range=[GROUP_COLOURS[g] for g in groups]),
        ),
        tooltip=[
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("survey_count:Q", format=",.0f", title="Survey count"),
            alt.Tooltip("factor:Q", format=".4f", title="Factor"),
            alt.Tooltip("estimate:Q", format=",.0f", title="Estimate"),
            alt.Tooltip("ci_low:Q", format=",.0f", title="95% from"),
            alt.Tooltip("ci_high:Q", format=",.0f", title="95% to"),
        ],
    )
    whiskers = base.mark_rule(color=INTERVAL_COLOUR, strokeWidth=1.5).encode(
        y="ci_low:Q", y2="ci_high:Q"
    )
    # the width is for the PNG download; on screen the chart fills the column
    return (bars + whiskers).properties(title=title, height=340, width=max(360, 160 * len(groups)))
