"""The charts of a country brief: one Altair chart per section, titled by its finding.

Altair only, so that every chart becomes a PNG through vl-convert with no browser
(:func:`core.images.altair_png`). Registrations per year and the flag groups reuse the
Explore charts (:func:`core.explore.charts.yearly_chart`,
:func:`core.explore.charts.tactics_chart`); the tables of counts and the completeness
get a bar chart of their own here. Every chart is drawn from the section's protected
table: a withheld cell is simply not drawn (its caption names it).
"""

from __future__ import annotations

import textwrap

import altair as alt
import pandas as pd

from core.brief.profile import CountryProfile
from core.brief.sections import Section
from core.explore.charts import AltairChart, tactics_chart, yearly_chart
from core.palette import OKABE_ITO

__all__ = ["profile_charts", "section_chart"]

_WIDTH = 640
_KIND_COLOURS = {"recorded": OKABE_ITO[4], "other": OKABE_ITO[1], "not recorded": "#999999"}
_KIND_LABELS = {
    "recorded": "Recorded",
    "other": "Other countries together",
    "not recorded": "Not recorded",
}


def _heading(text: str) -> alt.TitleParams:
    return alt.TitleParams(
        text=textwrap.wrap(text, 80) or [text], anchor="start", fontSize=14, subtitleFontSize=12
    )


def _count_bars(table: pd.DataFrame, title: str) -> alt.Chart:
    data = table.dropna(subset=["count"]).copy()
    data["what"] = data["kind"].map(_KIND_LABELS)
    order = list(table["category"].astype(str))
    kinds = [k for k in _KIND_LABELS if k in set(data["kind"])]
    return (
        alt.Chart(data, title=_heading(title))
        .mark_bar()
        .encode(
            y=alt.Y("category:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
            x=alt.X("count:Q", title="Records"),
            color=alt.Color(
                "what:N",
                title=None,
                scale=alt.Scale(
                    domain=[_KIND_LABELS[k] for k in kinds], range=[_KIND_COLOURS[k] for k in kinds]
                ),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Group"),
                alt.Tooltip("count:Q", title="Records", format=","),
                alt.Tooltip("share:Q", title="Share of those recorded", format=".0%"),
            ],
        )
        .properties(width=_WIDTH - 200)
    )


def _years_chart(table: pd.DataFrame, title: str) -> AltairChart:
    """Registrations per year (Explore's chart), every year of the range on the axis and
    the withheld ones marked as such (a withheld year must not look like a zero)."""
    rows = table[table["kind"] == "recorded"]
    years = [str(int(y)) for y in rows["year"]]
    shown = rows.dropna(subset=["count"])
    shown = shown.assign(year=shown["year"].astype(int).astype(str))[["year", "count", "status"]]
    bars = yearly_chart(shown, title=title).encode(
        x=alt.X("year:O", title="Year of registration", sort=years, scale=alt.Scale(domain=years))
    )
    hidden = rows[rows["count"].isna()]
    if hidden.empty:
        return bars.properties(title=_heading(title))
    marks = (
        alt.Chart(pd.DataFrame({"year": [str(int(y)) for y in hidden["year"]], "count": 0}))
        .mark_text(angle=270, align="left", dx=-4, color="#666666", fontSize=10)
        .encode(
            x=alt.X("year:O", sort=years, scale=alt.Scale(domain=years)),
            y="count:Q",
            text=alt.value("withheld"),
        )
    )
    bars = bars.copy()
    for key in ("autosize", "width", "height", "title"):
        bars[key] = alt.Undefined
    return alt.layer(bars, marks, title=_heading(title)).properties(
        width=_WIDTH, height=320, autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _completeness_bars(table: pd.DataFrame, title: str) -> alt.Chart:
    data = table.dropna(subset=["share"])
    return (
        alt.Chart(data, title=_heading(title))
        .mark_bar(color=OKABE_ITO[2])
        .encode(
            y=alt.Y(
                "category:N",
                sort=list(table["category"]),
                title=None,
                axis=alt.Axis(labelLimit=260),
            ),
            x=alt.X(
                "share:Q",
                title="Share of the records with it recorded",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("category:N", title="Field"),
                alt.Tooltip("share:Q", title="Recorded", format=".0%"),
                alt.Tooltip("recorded:Q", title="Records with it", format=","),
            ],
        )
        .properties(width=_WIDTH - 200)
    )


def section_chart(section: Section, /) -> AltairChart | None:
    """The chart of one section (None when it has nothing to draw), titled by its finding.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"category": ["Women", "Not recorded"],
    ...     "kind": ["recorded", "not recorded"], "count": [40.0, 12.0], "share": [1.0, None]})
    >>> s = Section("sex_age", "Girls, women, boys and men", "Women lead.", table, "", "counts")
    >>> section_chart(s).to_dict()["title"]["text"]
    ['Women lead.']
    """
    if not section.drawable:
        return None
    table = section.table
    if section.chart == "years":
        return _years_chart(table, section.finding)
    if section.chart == "shares":
        noun = section.title.lower()
        chart = tactics_chart(
            table, title=section.finding, axis_title=f"Share of victims with any {noun} recorded"
        )
        return chart.properties(title=_heading(section.finding))
    if section.chart == "completeness":
        return _completeness_bars(table, section.finding)
    return _count_bars(table, section.finding)


def profile_charts(profile: CountryProfile, /) -> list[tuple[str, Section, AltairChart]]:
    """Every chart of a brief, in order: (the perspective's heading, section, chart)."""
    out: list[tuple[str, Section, AltairChart]] = []
    for perspective in profile.perspectives:
        for section in perspective.sections:
            chart = section_chart(section)
            if chart is not None:
                out.append((perspective.heading, section, chart))
    return out
