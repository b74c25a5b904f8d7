"""The risk models' chart: the probability of each outcome per group, with its interval.

Colours come from :mod:`core.palette` (Okabe–Ito): the girls and women in orange and
vermillion, the boys and men in sky blue and blue, so that gender reads as warm or
cool and age as light or dark. Intervals are drawn in the palette's black.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from core.palette import OKABE_ITO
from core.risk.records import GROUP_ORDER
from core.risk.tables import shown_groups

if TYPE_CHECKING:
    import altair as alt

__all__ = ["GROUP_COLOURS", "INTERVAL_COLOUR", "probability_chart"]

_ORANGE, _SKY_BLUE, _BLUISH_GREEN, _YELLOW, _BLUE, _VERMILLION, _PURPLE, _BLACK = OKABE_ITO

#: One Okabe–Ito colour per group (colour-blind safe).
GROUP_COLOURS: dict[str, str] = {
    "Girls": _ORANGE,
    "Women": _VERMILLION,
    "Boys": _SKY_BLUE,
    "Men": _BLUE,
}
#: The colour of interval whiskers.
INTERVAL_COLOUR = _BLACK


def probability_chart(table: pd.DataFrame, /, *, title: str, k: int = 1) -> alt.LayerChart:
    """Grouped bars: the model probability of each outcome per group, with 95% CIs.

    Groups with no records in view, or with 1..k-1 records, events or non-events, are
    left out (small-cell protection, :func:`core.risk.tables.shown_groups`).

    Parameters
    ----------
    table
        Stacked group tables (:func:`core.risk.tables.overview_table` or
        :func:`core.risk.protect.protected_overview`).
    title
        The chart's title (its finding, e.g. from
        :func:`core.risk.words.probability_headline`).
    k
        The small-cell threshold.

    Returns
    -------
    altair.LayerChart
        Bars coloured by group (the four groups in :data:`GROUP_COLOURS`; other model
        cells, such as age bands, in viridis) with interval rules.
    """
    import altair as alt

    data = shown_groups(table, k=k).copy()
    groups = [g for g in GROUP_ORDER if g in set(data["group"])] or sorted(set(data["group"]))
    outcomes = list(dict.fromkeys(data["outcome"]))
    base = alt.Chart(data).encode(
        x=alt.X("outcome:N", sort=outcomes, title=None, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("group:N", sort=groups),
    )
    scale = (
        alt.Scale(domain=groups, range=[GROUP_COLOURS[g] for g in groups])
        if set(groups) <= set(GROUP_COLOURS)
        else alt.Scale(scheme="viridis")  # cells other than the four groups
    )
    bars = base.mark_bar().encode(
        y=alt.Y(
            "probability:Q",
            title="Share of the group with the outcome (model)",
            axis=alt.Axis(format="%"),
            scale=alt.Scale(domain=[0, 1]),
        ),
        color=alt.Color("group:N", sort=groups, scale=scale, title="Group"),
        tooltip=[
            alt.Tooltip("outcome:N", title="Outcome"),
            alt.Tooltip("group:N", title="Group"),
            alt.Tooltip("probability:Q", format=".1%", title="Probability"),
            alt.Tooltip("probability_ci_low:Q", format=".1%", title="95% CI from"),
            alt.Tooltip("probability_ci_high:Q", format=".1%", title="95% CI to"),
            alt.Tooltip("n:Q", format=",", title="Records"),
        ],
    )
    errors = base.mark_rule(color=INTERVAL_COLOUR).encode(
        y="probability_ci_low:Q", y2="probability_ci_high:Q"
    )
    # the width is for the PNG download; on screen the chart fills the column
    return (bars + errors).properties(
        title=title, height=360, width=min(1000, max(480, 32 * len(outcomes) * max(len(groups), 1)))
    )
