"""Chart images to download: every PNG carries its title, source, filters and caveat.

Plotly figures are rendered server-side by kaleido, which drives the operating system's
Chromium (never a browser it downloads); Altair charts by vl-convert, which needs no
browser. Before export each chart gets:

- its title (the finding) at the top;
- the source line (:func:`source_line`), the filters in force, and
  "Identified cases, not prevalence" in small print below the plot.

:func:`plotly_for_export` and :func:`altair_for_export` add those to a copy of the chart
(the chart on screen is untouched); :func:`plotly_png` and :func:`altair_png` add them and
render. Where no Chromium exists, :func:`png_available` is False and
:func:`png_unavailable_reason` gives the one sentence a page shows instead of the button.

Starting Chromium takes seconds, so the first Plotly render opens one and keeps it open
for the next renders (one tab, calls taken in turn); if the kept browser fails, it is
closed and the figure is rendered once more in a fresh one. A render that still fails
raises :class:`PngExportError` with the plain sentence :data:`PNG_FAILED`; the detail
(which may name paths of the server) goes to the log only.

Examples
--------
>>> source_line("2021-08-25")
'Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset, release 2021-08-25'
"""

from __future__ import annotations

import html
import logging
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from core import chromium

__all__ = [
    "CAVEAT",
    "PNG_FAILED",
    "PNG_UNAVAILABLE",
    "PngExportError",
    "PngUnavailableError",
    "altair_for_export",
    "altair_png",
    "plotly_for_export",
    "plotly_png",
    "plotly_pngs",
    "png_available",
    "png_unavailable_reason",
    "source_line",
]

#: The small print every downloaded image carries.
CAVEAT = "Identified cases, not prevalence"
#: What a page says when one chart could not become PNG (the detail is logged).
PNG_FAILED = "The PNG could not be made on the server; the chart's own camera icon still works."
#: What a page says where Plotly charts cannot become PNG on the server.
PNG_UNAVAILABLE = "PNG export needs Chromium on the server; use the chart's camera icon instead."
_KALEIDO_MISSING = (
    "PNG export needs the kaleido package on the server; use the chart's camera icon instead."
)
_SOURCE = "Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset"

# Plotly's own defaults, used where a figure sets none.
_PLOTLY_WIDTH = 1100
_PLOTLY_HEIGHT = 600
_PLOTLY_MARGIN = {"l": 80, "r": 80, "t": 100, "b": 80}
_LEFT_PX = 16  # title and footer start this far from the image's left edge
_GAP_PX = 10  # between the bottom margin (axis labels) and the footer
_TITLE_PX = 18
_TEXT_PX = 12
_SMALL_PX = 10
_GREY = "#444444"
_LIGHT_GREY = "#666666"

_LOG = logging.getLogger(__name__)


class PngExportError(RuntimeError):
    """A chart could not be rendered as PNG."""


class PngUnavailableError(PngExportError):
    """PNG export of Plotly figures is impossible here (no Chromium, or no kaleido)."""


def source_line(release: str, /) -> str:
    """The source line every chart image and brief carries.

    A release named "... release" (as the loader names the 2021 file) is not repeated.

    Examples
    --------
    >>> source_line("2021-08-25 release").endswith("Dataset, release 2021-08-25")
    True
    >>> source_line("")
    'Source: Counter-Trafficking Data Collaborative (CTDC), Global Synthetic Dataset'
    """
    release = release.strip()
    if release.lower().endswith(" release"):
        release = release[: -len(" release")].strip()
    return f"{_SOURCE}, release {release}" if release else _SOURCE


def png_unavailable_reason() -> str:
    """Why Plotly figures cannot become PNG here, in one sentence ("" when they can)."""
    if not chromium.kaleido_installed():
        return _KALEIDO_MISSING
    if chromium.browser_path() is None:
        return PNG_UNAVAILABLE
    return ""


def png_available() -> bool:
    """Whether :func:`plotly_png` can work here (kaleido installed and a Chromium found)."""
    return not png_unavailable_reason()


# --------------------------------------------------------------------------- text
def _escape(text: str) -> str:
    # Plotly reads a small HTML subset in text: "<" in a filter ("<10") must stay text.
    return html.escape(text, quote=False)


def _wrap(text: str, chars: int) -> list[str]:
    return textwrap.wrap(text, width=max(chars, 20)) or [""]


@dataclass(frozen=True)
class _FooterPart:
    """One item under the plot, wrapped into lines."""

    name: str
    lines: tuple[str, ...]
    size: int
    colour: str

    @property
    def line_height(self) -> int:
        return round(self.size * 1.45)

    @property
    def height(self) -> int:
        return self.line_height * len(self.lines)


def _footer(source: str, filters: str, chars: int) -> tuple[_FooterPart, ...]:
    filters_text = f"Filters: {filters.strip() or 'none'}"
    return (
        _FooterPart("source", tuple(_wrap(source, chars)), _TEXT_PX, _GREY),
        _FooterPart("filters", tuple(_wrap(filters_text, chars)), _TEXT_PX, _GREY),
        _FooterPart("caveat", (CAVEAT,), _SMALL_PX, _LIGHT_GREY),
    )


def _footer_height(parts: Sequence[_FooterPart]) -> int:
    return _GAP_PX + sum(part.height for part in parts) + 10


# --------------------------------------------------------------------------- Plotly
def plotly_for_export(
    figure: Any,
    /,
    *,
    title: str,
    source: str,
    filters: str,
    width: int | None = None,
    height: int | None = None,
) -> Any:
    """A copy of a Plotly figure with its title, source, filters and caveat added.

    The title replaces the figure's own; the three footer lines are annotations below
    the plot (named ``"source"``, ``"filters"`` and ``"caveat"``), and the figure grows
    by their height so the plot keeps its size. ``width`` and ``height`` (of the plot
    part, in px) default to the figure's own, else 1100 x 600.

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> out = plotly_for_export(go.Figure(go.Bar(x=["a"], y=[40])), title="A leads",
    ...                         source=source_line("2021"), filters="Women; 2015-2020")
    >>> [a.name for a in out.layout.annotations]
    ['source', 'filters', 'caveat']
    >>> out.layout.annotations[2].text, out.layout.title.text
    ('Identified cases, not prevalence', 'A leads')
    """
    import plotly.graph_objects as go

    out = go.Figure(figure)
    layout = out.layout
    width = int(width or layout.width or _PLOTLY_WIDTH)
    plot_height = int(height or layout.height or _PLOTLY_HEIGHT)
    margin = {side: getattr(layout.margin, side) for side in ("l", "r", "t", "b")}
    margin = {side: int(v) if v is not None else _PLOTLY_MARGIN[side] for side, v in margin.items()}

    title_lines = _wrap(title, int(width / (_TITLE_PX * 0.55)))
    title_px = 16 + round(_TITLE_PX * 1.3) * len(title_lines) + 14
    top = max(margin["t"], title_px)
    footer = _footer(source, filters, int(width / (_TEXT_PX * 0.55)))
    footer_height = _footer_height(footer)
    bottom = margin["b"] + footer_height

    annotations = list(layout.annotations or ())
    offset = margin["b"] + _GAP_PX
    for part in footer:
        annotations.append(
            go.layout.Annotation(
                name=part.name,
                text="<br>".join(_escape(line) for line in part.lines),
                xref="paper",
                yref="paper",
                x=0,
                y=0,
                xshift=_LEFT_PX - margin["l"],  # flush with the title, not the plot
                xanchor="left",
                yanchor="top",
                yshift=-offset,
                showarrow=False,
                align="left",
                font={"size": part.size, "color": part.colour},
            )
        )
        offset += part.height
    out.update_layout(
        title={
            "text": "<br>".join(_escape(line) for line in title_lines),
            "x": 0,
            "xref": "container",
            "xanchor": "left",
            "y": 1,
            "yref": "container",
            "yanchor": "top",
            "pad": {"l": _LEFT_PX, "t": 16},
            "font": {"size": _TITLE_PX},
        },
        annotations=annotations,
        width=width,
        height=plot_height + (top - margin["t"]) + footer_height,
        margin={**margin, "t": top, "b": bottom},
    )
    return out


def plotly_pngs(
    figures: Sequence[Any], /, *, scale: float = 2.0, keep_browser: bool = True
) -> list[bytes]:
    """PNG bytes of several Plotly figures, rendered in one Chromium session.

    The figures are rendered as given (use :func:`plotly_for_export` first, or
    :func:`plotly_png` for one chart). Starting Chromium takes seconds, so by default
    (``keep_browser``) the browser stays open for the next call; where that fails the
    figures are rendered once more in a browser of their own. ``keep_browser=False``
    starts and closes one for this call only.

    Raises
    ------
    PngUnavailableError
        Where no Chromium (or no kaleido) exists; the message is the sentence to show.
    PngExportError
        Where Chromium ran but a figure could not be rendered; the message is
        :data:`PNG_FAILED` (the detail is logged, not shown).
    """
    reason = png_unavailable_reason()
    if reason:
        raise PngUnavailableError(reason)
    specs = []
    for figure in figures:
        spec = figure.to_plotly_json() if hasattr(figure, "to_plotly_json") else dict(figure)
        spec_layout = spec.get("layout", {})
        width = int(spec_layout.get("width") or _PLOTLY_WIDTH)
        height = int(spec_layout.get("height") or _PLOTLY_HEIGHT)
        specs.append((spec, {"format": "png", "width": width, "height": height, "scale": scale}))
    options = chromium.kaleido_options()
    if keep_browser:
        try:
            return chromium.render_kept(specs, options)
        except Exception:
            _LOG.warning(
                "PNG render in the kept Chromium failed; trying a fresh one", exc_info=True
            )
    try:
        return chromium.render_once(specs, options)
    except Exception as error:
        _LOG.error("PNG render failed", exc_info=True)
        raise PngExportError(PNG_FAILED) from error


def plotly_png(
    figure: Any,
    /,
    *,
    title: str,
    source: str,
    filters: str,
    width: int | None = None,
    height: int | None = None,
    scale: float = 2.0,
) -> bytes:
    """PNG bytes of a Plotly figure with its title, source line, filters and caveat.

    See :func:`plotly_for_export` for what is added and :func:`plotly_pngs` for the
    errors raised (:class:`PngUnavailableError` where no Chromium exists).
    """
    labelled = plotly_for_export(
        figure, title=title, source=source, filters=filters, width=width, height=height
    )
    return plotly_pngs([labelled], scale=scale)[0]


# --------------------------------------------------------------------------- Altair
def _title_subtitle(title: Any) -> Any:
    import altair as alt

    if isinstance(title, alt.TitleParams):
        return title.subtitle
    if isinstance(title, dict):
        return title.get("subtitle", alt.Undefined)
    return alt.Undefined


def altair_for_export(chart: Any, /, *, title: str, source: str, filters: str) -> Any:
    """A copy of an Altair chart with its title on top and source, filters, caveat below.

    The result is a concatenation of the one chart, so that it can hold two titles:
    ``title`` on top (replacing the chart's own, whose subtitle is kept) and the source
    line, the filters and the caveat (smaller) as the chart's title set below it. What
    only a top-level chart may hold (config, background, padding) moves to the top;
    the autosize setting is dropped (it does not apply to a concatenation).

    Examples
    --------
    >>> import altair as alt
    >>> bars = alt.Chart(alt.Data(values=[{"a": "x", "n": 40}])).mark_bar().encode(x="n:Q", y="a:N")
    >>> spec = altair_for_export(bars, title="X leads", source="Source: CTDC", filters="All").to_dict()
    >>> footer = spec["vconcat"][0]["title"]
    >>> spec["title"]["text"], footer["text"], footer["subtitle"], footer["orient"]
    (['X leads'], ['Source: CTDC', 'Filters: All'], ['Identified cases, not prevalence'], 'bottom')
    """
    import altair as alt

    body = chart.copy(deep=True)
    lifted: dict[str, Any] = {}
    for key in ("config", "background", "padding"):
        value = body._get(key)
        if value is not alt.Undefined:
            lifted[key] = value
            body[key] = alt.Undefined
    body["autosize"] = alt.Undefined
    subtitle = _title_subtitle(body._get("title"))

    # The footer is the chart's own title, set below it: a title is laid out against
    # the chart's whole bounds (axes and legends included), so it sits flush left under
    # everything, and it brings no data or scales that could merge with the chart's.
    source_part, filters_part, caveat_part = _footer(source, filters, 110)
    body["title"] = alt.TitleParams(
        text=[*source_part.lines, *filters_part.lines],
        subtitle=list(caveat_part.lines),
        orient="bottom",
        anchor="start",
        fontSize=source_part.size,
        fontWeight="normal",
        color=source_part.colour,
        subtitleFontSize=caveat_part.size,
        subtitleColor=caveat_part.colour,
        offset=14,
    )
    heading = alt.TitleParams(
        text=_wrap(title, 80), subtitle=subtitle, anchor="start", fontSize=16, subtitleFontSize=12
    )
    # With one chart inside, "independent" changes no scale; it keeps the legends with
    # the chart, above the footer, instead of below everything.
    out = alt.vconcat(body, title=heading).resolve_scale(
        color="independent",
        fill="independent",
        opacity="independent",
        shape="independent",
        size="independent",
        stroke="independent",
    )
    for key, value in lifted.items():
        out[key] = value
    return out


def altair_png(
    chart: Any, /, *, title: str, source: str, filters: str, scale: float = 2.0
) -> bytes:
    """PNG bytes of an Altair chart with its title, source line, filters and caveat.

    Rendered by vl-convert (no browser needed), so this works wherever the app runs.
    """
    import vl_convert as vlc

    labelled = altair_for_export(chart, title=title, source=source, filters=filters)
    return bytes(vlc.vegalite_to_png(labelled.to_json(), scale=scale))
