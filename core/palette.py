"""Colour-blind-safe colours shared by every chart (Okabe & Ito, 2008), and the text
colours and title wrapping of every chart on screen (WCAG AA contrast, phones)."""

from __future__ import annotations

import re
import textwrap
from typing import Any

__all__ = [
    "CHART_LABEL_COLOUR",
    "CHART_TITLE_COLOUR",
    "OKABE_ITO",
    "OKABE_ITO_DISTINCT",
    "SUBTITLE_LINE",
    "TITLE_LINE",
    "altair_theme",
    "for_screen",
    "plotly_layout",
    "use_chart_theme",
    "wrap_title",
]

# orange, sky blue, bluish green, yellow, blue, vermillion, reddish purple, black
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
)
# The same eight, ordered so that the first few are as far apart as possible (for
# unordered groups such as clusters, where neighbours should never look alike).
OKABE_ITO_DISTINCT: tuple[str, ...] = (
    "#E69F00",
    "#0072B2",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#000000",
)


# ---------------------------------------------------------------- chart text on screen
# Streamlit draws chart labels in a light grey (#808495, 3.7:1 on white); WCAG AA asks
# 4.5:1 for text. These two pass on white and on the sidebar's grey.
#: Titles and headers of charts: 14.8:1 on white.
CHART_TITLE_COLOUR = "#1F2933"
#: Axis labels, legend entries, subtitles: 8.8:1 on white.
CHART_LABEL_COLOUR = "#3E4C59"
#: Characters per line of a chart title on screen: under 320 px of Streamlit's bold
#: title text (Vega cuts a longer line with "..."), so a title wraps, never cut, even on
#: a 390 px phone.
TITLE_LINE = 36
#: The longest subtitle line on screen: its type is smaller than the title's.
SUBTITLE_LINE = 56


def altair_theme() -> dict[str, Any]:
    """The Altair config of every chart on screen: dark, readable text; nothing else."""
    label = {"labelColor": CHART_LABEL_COLOUR, "titleColor": CHART_TITLE_COLOUR}
    return {
        "config": {
            "axis": dict(label),
            "legend": dict(label),
            "header": dict(label),
            "title": {
                "color": CHART_TITLE_COLOUR,
                "subtitleColor": CHART_LABEL_COLOUR,
                "limit": 0,
            },
        }
    }


def plotly_layout() -> dict[str, Any]:
    """The Plotly layout defaults of every figure on screen (the same text colours)."""
    label = {"color": CHART_LABEL_COLOUR}
    axis = {"tickfont": label, "title": {"font": {"color": CHART_TITLE_COLOUR}}}
    return {
        "font": {"color": CHART_TITLE_COLOUR},
        "title": {"font": {"color": CHART_TITLE_COLOUR}},
        "legend": {"font": label, "title": {"font": {"color": CHART_TITLE_COLOUR}}},
        "xaxis": axis,
        "yaxis": axis,
        "scene": {"xaxis": axis, "yaxis": axis, "zaxis": axis},
        "coloraxis": {"colorbar": {"tickfont": label, "title": {"font": label}}},
    }


def use_chart_theme() -> None:
    """Make :func:`altair_theme` the default of every Altair chart of this process.

    Called once per run by the app (idempotent). Plotly takes its colours per figure in
    :func:`for_screen` instead: Streamlit rewrites a figure's template in the browser, so
    only the figure's own layout holds.
    """
    import altair as alt

    if "ctdc" not in alt.theme.names():
        alt.theme.register("ctdc", enable=False)(altair_theme)  # type: ignore[arg-type]
    if alt.theme.active != "ctdc":
        alt.theme.enable("ctdc")


def _paths(tree: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        out.extend(_paths(value, path) if isinstance(value, dict) else [(path, value)])
    return out


def _plotly_for_screen(figure: Any, width: int) -> Any:
    """A copy of ``figure`` with a wrapped title and the readable text colours wherever
    the figure does not set its own."""
    copy = type(figure)(figure)
    text = str(copy.layout.title.text or "")
    lines = re.split(r"<br\s*/?>", text, flags=re.IGNORECASE)
    if any(len(line) > width for line in lines):
        copy.layout.title.text = "<br>".join(
            part for line in lines for part in (wrap_title(line, width) if line else [""])
        )
    three_d = any(getattr(trace, "type", "") in _THREE_D for trace in copy.data)
    for path, value in _paths(plotly_layout()):
        if path.startswith("scene.") and not three_d:
            continue
        if copy.layout[path] is None:
            copy.layout[path] = value
    return copy


_THREE_D = {"scatter3d", "surface", "mesh3d", "cone", "streamtube", "volume", "isosurface"}


def wrap_title(text: str, width: int = TITLE_LINE) -> list[str]:
    """A title as lines of at most ``width`` characters, broken between words.

    >>> wrap_title("Registrations rose in most years and fell in 2020", 30)
    ['Registrations rose in most', 'years and fell in 2020']
    >>> import plotly.graph_objects as go
    >>> figure = go.Figure(layout={"title": {"text": "Two clusters<br>" + "word " * 12}})
    >>> for_screen(figure, 20).layout.title.text
    'Two clusters<br>word word word word<br>word word word word<br>word word word word'
    >>> figure.layout.title.text.count("<br>")  # the figure passed in is unchanged
    1
    """
    return textwrap.wrap(" ".join(text.split()), width=width) or [text]


def for_screen(chart: Any, width: int = TITLE_LINE) -> Any:
    """A copy of ``chart`` (Altair or Plotly) whose title wraps instead of being cut.

    An Altair title becomes a list of lines; a Plotly title gets ``<br>`` between them
    (its own line breaks kept, a line too long broken again), and the figure the text
    colours of :func:`plotly_layout` where it sets none. The chart passed in is not
    changed (it may be cached).
    """
    layout = getattr(chart, "layout", None)
    if layout is not None and hasattr(layout, "title"):  # Plotly
        return _plotly_for_screen(chart, width)
    import altair as alt

    title = getattr(chart, "title", alt.Undefined)
    if isinstance(title, str):
        if len(title) <= width:
            return chart
        return chart.properties(title=alt.TitleParams(text=wrap_title(title, width)))
    if not isinstance(title, alt.TitleParams) or not isinstance(title.text, (str, list, tuple)):
        return chart
    params = {k: v for k, v in title.to_dict().items() if k != "text"}
    lines = [title.text] if isinstance(title.text, str) else [str(x) for x in title.text]
    changed = False
    if any(len(line) > width for line in lines):
        # lines wrapped for a wide screen are joined and wrapped again
        lines, changed = wrap_title(" ".join(lines), width), True
    subtitle = params.get("subtitle")
    if isinstance(subtitle, str) and len(subtitle) > SUBTITLE_LINE:
        # a long subtitle would set the chart's width (past a phone's screen)
        params["subtitle"], changed = wrap_title(subtitle, SUBTITLE_LINE), True
    if not changed:
        return chart
    text = lines[0] if len(lines) == 1 else lines
    return chart.properties(title=alt.TitleParams(text=text, **params))
